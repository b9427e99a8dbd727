"""What ingest accepts can be stored: anything PostgreSQL or UTF-8 cannot hold is a 422 that
names the field, on the single webhooks and per event in a batch, and never a 5xx."""

import json

import pytest

from tests.factories import body
from tests.streams import stream_events
from tracker_contracts import EventKind

# Bodies as raw JSON text: a lone surrogate and NaN cannot be written by a strict encoder.
UNSTORABLE = [
    (EventKind.START, '"timestamp": "9999-12-31T23:00:00-05:00"', ["body", "timestamp"]),
    (EventKind.START, '"timestamp": "0001-01-01T00:30:00+01:00"', ["body", "timestamp"]),
    (EventKind.START, '"task": "\\ud800"', ["body", "task"]),
    (EventKind.START, '"agent": "a\\udfffb"', ["body", "agent"]),
    (EventKind.STATUS, '"message": "half \\ud83d"', ["body", "message"]),
    (EventKind.FINISH, '"result": "\\u0000"', ["body", "result"]),
    (EventKind.ERROR, '"stack_trace": "\\ud800"', ["body", "stack_trace"]),
    (EventKind.START, '"metadata": {"\\ud800": 1}', ["body", "metadata"]),
    (EventKind.START, '"metadata": {"k": ["\\udc00"]}', ["body", "metadata"]),
    (EventKind.START, '"metadata": {"k\\u0000": 1}', ["body", "metadata"]),
    (EventKind.START, '"metadata": {"k": {"n": "\\u0000"}}', ["body", "metadata"]),
    (EventKind.START, '"metadata": {"k": NaN}', ["body", "metadata"]),
    (EventKind.START, '"metadata": {"k": -Infinity}', ["body", "metadata"]),
    (EventKind.START, '"metadata": {"k": 1e400}', ["body", "metadata"]),
    (EventKind.START, '"metadata": {"k": 18446744073709551616}', ["body", "metadata"]),
    (EventKind.START, '"metadata": {"k": ' + "[" * 40 + "]" * 40 + "}", ["body", "metadata"]),
    (EventKind.FINISH, '"duration_seconds": NaN', ["body", "duration_seconds"]),
    (EventKind.FINISH, '"duration_seconds": 1e400', ["body", "duration_seconds"]),
    (EventKind.STATUS, '"progress": 1e400', ["body", "progress"]),
]


def raw_body(kind: EventKind, field: str) -> bytes:
    """The seed body of `kind` with `field` (raw JSON text) put in."""
    fields = body(kind)
    name = json.loads("{" + field.replace("NaN", "0").replace("Infinity", "0") + "}")
    for key in name:
        fields.pop(key, None)
    return ("{" + json.dumps(fields)[1:-1] + ", " + field + "}").encode()


@pytest.mark.parametrize(("kind", "field", "loc"), UNSTORABLE)
async def test_unstorable_values_are_422_naming_the_field(
    ingest, redis_url, events_stream, kind, field, loc
):
    response = await ingest.post(
        f"/webhook/{kind}",
        content=raw_body(kind, field),
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 422, response.text
    assert [error["loc"] for error in response.json()["detail"]] == [loc]
    assert await stream_events(redis_url, events_stream) == []


async def test_an_unknown_field_with_an_unencodable_name_is_422(ingest) -> None:
    response = await ingest.post(
        "/webhook/start",
        content=raw_body(EventKind.START, '"\\ud800": 1'),
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 422
    # A name that is not text cannot be named: the error is the body's.
    assert response.json()["detail"] == [
        {
            "type": "string_unicode",
            "loc": ["body"],
            "msg": "Input should be a valid string, unable to parse raw data as a unicode string",
        }
    ]


async def test_the_storable_extremes_are_accepted(ingest, redis_url, events_stream) -> None:
    fields = body(
        EventKind.START,
        timestamp="2999-12-31T23:59:59+00:00",
        metadata={"max": 2**63 - 1, "min": -(2**63), "float": 1.5e308, "text": "\\u0000 😀"},
    )
    response = await ingest.post("/webhook/start", json=fields)
    assert response.status_code == 202
    [event] = await stream_events(redis_url, events_stream)
    assert event.payload.metadata == fields["metadata"]


async def test_a_batch_reports_each_unstorable_event_by_its_index(
    ingest, redis_url, events_stream
) -> None:
    good = json.dumps({"type": "start", **body(EventKind.START)})
    events = [good]
    for kind, field, _ in UNSTORABLE:
        events.append(f'{{"type": "{kind}", ' + raw_body(kind, field).decode()[1:])
    events.append(good)
    response = await ingest.post(
        "/webhook/batch",
        content=("{" + '"events": [' + ", ".join(events) + "]}").encode(),
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 207, response.text
    results = response.json()["results"]
    assert [r["status"] for r in results] == [202] + [422] * len(UNSTORABLE) + [202]
    for result, (_, _, loc) in zip(results[1:-1], UNSTORABLE, strict=True):
        assert [error["loc"] for error in result["errors"]] == [loc[1:]], result
    assert len(await stream_events(redis_url, events_stream)) == 2

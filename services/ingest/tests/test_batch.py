"""`POST /webhook/batch`: each event answered on its own, the valid ones stored in order."""

import uuid
from typing import Any

import pytest

from tests.factories import SEED_BODIES, body
from tests.streams import stream_events
from tracker_contracts import EventKind


def item(kind: EventKind, **fields: Any) -> dict[str, Any]:
    return {"type": kind, **body(kind, **fields)}


async def test_valid_events_are_stored_in_order_and_invalid_ones_named(
    ingest, redis_url, events_stream
) -> None:
    events = [
        item(EventKind.START),
        item(EventKind.STATUS, progress=101),
        item(EventKind.FINISH),
        item(EventKind.ERROR, surprise=1),
        item(EventKind.STATUS, progress=60),
    ]
    response = await ingest.post("/webhook/batch", json={"events": events})
    assert response.status_code == 207
    answer = response.json()
    assert (answer["accepted"], answer["replayed"], answer["rejected"]) == (3, 0, 2)
    results = answer["results"]
    assert [(r["index"], r["status"]) for r in results] == [
        (0, 202),
        (1, 422),
        (2, 202),
        (3, 422),
        (4, 202),
    ]
    assert [e["loc"] for e in results[1]["errors"]] == [["progress"]]
    assert [e["loc"] for e in results[3]["errors"]] == [["surprise"]]
    stored = await stream_events(redis_url, events_stream)
    assert [str(e.event_id) for e in stored] == [results[i]["event_id"] for i in (0, 2, 4)]
    assert [e.kind for e in stored] == [EventKind.START, EventKind.FINISH, EventKind.STATUS]
    assert stored[2].payload.model_dump(exclude_none=True) == body(EventKind.STATUS, progress=60)


async def test_batch_events_carry_usage_and_bad_usage_is_named(
    ingest, redis_url, events_stream
) -> None:
    usage = {"output_tokens": 40, "cost": 0.5, "currency": "EUR"}
    events = [
        item(EventKind.STATUS, usage=usage, metadata={"step": 2}),
        item(EventKind.FINISH, usage={"cost": -1}),
    ]
    response = await ingest.post("/webhook/batch", json={"events": events})
    results = response.json()["results"]
    assert [r["status"] for r in results] == [202, 422]
    assert [e["loc"] for e in results[1]["errors"]] == [["usage", "cost"]]
    [stored] = await stream_events(redis_url, events_stream)
    assert stored.payload.model_dump(mode="json", exclude_none=True) == body(
        EventKind.STATUS, usage=usage, metadata={"step": 2}
    )


async def test_a_long_batch_keeps_its_order_on_the_stream(ingest, redis_url, events_stream):
    kinds = list(EventKind)
    events = [item(kinds[n % 4], task_id=f"task-{n}") for n in range(400)]
    response = await ingest.post("/webhook/batch", json={"events": events})
    assert response.json()["accepted"] == 400
    stored = await stream_events(redis_url, events_stream)
    assert [e.payload.task_id for e in stored] == [f"task-{n}" for n in range(400)]
    assert [str(e.event_id) for e in stored] == [r["event_id"] for r in response.json()["results"]]


async def test_events_with_an_event_id_are_replayed_not_stored_again(
    ingest, redis_url, events_stream
) -> None:
    known = str(uuid.uuid4())
    single = await ingest.post("/webhook/start", json=body(EventKind.START, event_id=known))
    assert single.status_code == 202
    fresh = str(uuid.uuid4())
    events = [
        item(EventKind.START, event_id=known),
        item(EventKind.STATUS, event_id=fresh),
        item(EventKind.STATUS, event_id=fresh),
        item(EventKind.START, event_id=known, task="Another title"),
    ]
    first = (await ingest.post("/webhook/batch", json={"events": events})).json()
    again = (await ingest.post("/webhook/batch", json={"events": events[:3]})).json()
    assert [(r["status"], r.get("replayed")) for r in first["results"]] == [
        (202, True),
        (202, False),
        (202, True),
        (422, None),
    ]
    assert first["results"][3]["errors"][0]["loc"] == ["event_id"]
    assert (first["accepted"], first["replayed"], first["rejected"]) == (1, 2, 1)
    assert [(r["status"], r["replayed"]) for r in again["results"]] == [(202, True)] * 3
    assert [r["event_id"] for r in again["results"]] == [known, fresh, fresh]
    stored = await stream_events(redis_url, events_stream)
    assert sorted(str(e.event_id) for e in stored) == sorted([known, fresh])


async def test_a_key_limited_to_projects_is_refused_per_event(
    ingest, redis_url, events_stream
) -> None:
    events = [item(EventKind.START), item(EventKind.START, project="beta")]
    response = await ingest.post(
        "/webhook/batch", json={"events": events}, headers={"X-Auth-Projects": "my%2Dproject"}
    )
    results = response.json()["results"]
    assert [r["status"] for r in results] == [202, 403]
    assert results[1]["errors"][0]["loc"] == ["project"]
    assert "beta" in results[1]["errors"][0]["msg"]
    [stored] = await stream_events(redis_url, events_stream)
    assert stored.payload.project == "my-project"


async def test_more_events_than_allowed_is_413_naming_the_limit(
    serve_ingest, redis_url, events_stream
) -> None:
    async with serve_ingest(batch_max_events=3) as ingest:
        events = [item(EventKind.START, task_id=f"t-{n}") for n in range(4)]
        response = await ingest.post("/webhook/batch", json={"events": events})
    assert response.status_code == 413
    assert "At most 3 events" in response.json()["detail"]
    assert await stream_events(redis_url, events_stream) == []


@pytest.mark.parametrize(
    ("payload", "loc"),
    [
        ({"events": []}, ["body", "events"]),
        ({}, ["body", "events"]),
        ([SEED_BODIES[EventKind.START]], ["body"]),
        ({"events": [SEED_BODIES[EventKind.START]]}, ["body", "events", 0, "type"]),
        ({"events": [{"type": "begin"}]}, ["body", "events", 0, "type"]),
        ({"events": [item(EventKind.START)], "extra": 1}, ["body", "extra"]),
    ],
)
async def test_a_malformed_batch_is_422_naming_the_field(
    ingest, redis_url, events_stream, payload, loc
) -> None:
    response = await ingest.post("/webhook/batch", json=payload)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == loc
    assert await stream_events(redis_url, events_stream) == []


async def test_a_batch_that_is_not_json_is_422(ingest) -> None:
    response = await ingest.post(
        "/webhook/batch", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert response.status_code == 422


async def test_a_full_stream_refuses_the_whole_batch(serve_ingest, redis_url, events_stream):
    async with serve_ingest(stream_max_length=2) as ingest:
        events = [item(EventKind.START, task_id=f"t-{n}") for n in range(3)]
        first = await ingest.post("/webhook/batch", json={"events": events})
        second = await ingest.post("/webhook/batch", json={"events": events})
    assert first.status_code == 207
    assert second.status_code == 503
    assert int(second.headers["retry-after"]) >= 1
    assert len(await stream_events(redis_url, events_stream)) == 3


async def test_without_redis_a_batch_is_503(ingest_without_redis) -> None:
    response = await ingest_without_redis.post(
        "/webhook/batch", json={"events": [item(EventKind.START)]}
    )
    assert response.status_code == 503
    assert int(response.headers["retry-after"]) >= 1

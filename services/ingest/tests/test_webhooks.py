"""The ingest API in process, against a real Redis."""

import asyncio
import json
import uuid

import pytest
from redis.asyncio import Redis

from tests.factories import SEED_BODIES, body
from tests.streams import stream_events
from tracker_contracts import KEY_NAME_HEADER, EventKind


@pytest.mark.parametrize("kind", list(EventKind))
async def test_seed_example_is_accepted_onto_the_stream(ingest, redis_url, events_stream, kind):
    response = await ingest.post(f"/webhook/{kind}", json=SEED_BODIES[kind])
    assert response.status_code == 202
    [event] = await stream_events(redis_url, events_stream)
    assert str(event.event_id) == response.json()["event_id"]
    assert event.kind == kind
    assert event.payload.model_dump(exclude_none=True) == SEED_BODIES[kind]


async def test_client_event_id_is_kept(ingest, redis_url, events_stream) -> None:
    event_id = "0b9d3f0e-4a55-4a8e-9d1f-2c7a1e5b6c70"
    response = await ingest.post("/webhook/start", json=body(EventKind.START, event_id=event_id))
    assert response.json() == {"event_id": event_id}
    [event] = await stream_events(redis_url, events_stream)
    assert str(event.event_id) == event_id


@pytest.mark.parametrize(
    ("kind", "changes", "field"),
    [
        (EventKind.STATUS, {"progress": 101}, "progress"),
        (EventKind.STATUS, {"progress": "x"}, "progress"),
        (EventKind.START, {"project": ""}, "project"),
        (EventKind.START, {"surprise": 1}, "surprise"),
        (EventKind.FINISH, {"duration_seconds": -5}, "duration_seconds"),
        (EventKind.ERROR, {"error_type": None}, "error_type"),
    ],
)
async def test_invalid_bodies_are_422_naming_the_field(
    ingest, redis_url, events_stream, kind, changes, field
):
    response = await ingest.post(f"/webhook/{kind}", json=body(kind, **changes))
    assert response.status_code == 422
    assert [error["loc"] for error in response.json()["detail"]] == [["body", field]]
    assert await stream_events(redis_url, events_stream) == []


@pytest.mark.parametrize("kind", [EventKind.STATUS, EventKind.FINISH, EventKind.ERROR])
async def test_usage_travels_on_the_stream(ingest, redis_url, events_stream, kind) -> None:
    usage = {"model": "m", "input_tokens": 1200, "cost": 0.0123}
    response = await ingest.post(f"/webhook/{kind}", json=body(kind, usage=usage))
    assert response.status_code == 202
    [event] = await stream_events(redis_url, events_stream)
    assert event.payload.usage is not None
    assert event.payload.usage.model_dump(mode="json", exclude_none=True) == {
        **usage,
        "currency": "USD",
    }


async def test_a_status_takes_metadata(ingest, redis_url, events_stream) -> None:
    response = await ingest.post(
        "/webhook/status", json=body(EventKind.STATUS, metadata={"step": "tests"})
    )
    assert response.status_code == 202
    [event] = await stream_events(redis_url, events_stream)
    assert event.payload.metadata == {"step": "tests"}


@pytest.mark.parametrize(
    ("kind", "usage", "where"),
    [
        (EventKind.STATUS, {"cost": -1}, ["usage", "cost"]),
        (EventKind.FINISH, {"input_tokens": 1.5}, ["usage", "input_tokens"]),
        (EventKind.ERROR, {"currency": "eur", "cost": 1}, ["usage", "currency"]),
        (EventKind.STATUS, {"price": 1}, ["usage", "price"]),
        (EventKind.STATUS, {}, ["usage"]),
        (EventKind.START, {"cost": 1}, ["usage"]),
    ],
)
async def test_bad_usage_is_422_naming_the_field(
    ingest, redis_url, events_stream, kind, usage, where
):
    response = await ingest.post(f"/webhook/{kind}", json=body(kind, usage=usage))
    assert response.status_code == 422
    assert [error["loc"] for error in response.json()["detail"]] == [["body", *where]]
    assert await stream_events(redis_url, events_stream) == []


async def test_a_body_that_is_not_json_is_422(ingest) -> None:
    response = await ingest.post(
        "/webhook/start", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert response.status_code == 422


async def test_a_json_body_sent_as_another_type_is_422(ingest, redis_url, events_stream) -> None:
    response = await ingest.post(
        "/webhook/start",
        content=json.dumps(SEED_BODIES[EventKind.START]),
        headers={"content-type": "text/plain"},
    )
    assert response.status_code == 422
    assert await stream_events(redis_url, events_stream) == []


async def test_a_large_body_is_accepted_whole(ingest, redis_url, events_stream) -> None:
    result = "r" * (60 * 1024)
    metadata = {"notes": "m" * (15 * 1024)}
    response = await ingest.post(
        "/webhook/finish", json=body(EventKind.FINISH, result=result, metadata=metadata)
    )
    assert response.status_code == 202
    [event] = await stream_events(redis_url, events_stream)
    assert event.payload.result == result
    assert event.payload.metadata == metadata


async def test_without_redis_the_answer_is_503_with_retry_after(ingest_without_redis) -> None:
    response = await ingest_without_redis.post("/webhook/start", json=SEED_BODIES[EventKind.START])
    assert response.status_code == 503
    assert int(response.headers["retry-after"]) >= 1
    assert "event_id" not in response.json()


async def test_redis_check_tells_the_truth(ingest, ingest_without_redis) -> None:
    assert (await ingest.get("/redis-check")).status_code == 200
    assert (await ingest_without_redis.get("/redis-check")).status_code == 503
    assert (await ingest_without_redis.get("/health")).status_code == 200


async def test_a_full_stream_sheds_load_and_trims_nothing(
    serve_ingest, redis_url, events_stream
) -> None:
    async with serve_ingest(stream_max_length=5) as client:
        for _ in range(5):
            response = await client.post("/webhook/start", json=SEED_BODIES[EventKind.START])
            assert response.status_code == 202
        response = await client.post("/webhook/start", json=SEED_BODIES[EventKind.START])
        assert response.status_code == 503
        assert int(response.headers["retry-after"]) >= 1
    async with Redis.from_url(redis_url) as redis:
        assert await redis.xlen(events_stream) == 5


async def test_a_retry_with_the_same_event_id_is_answered_once(ingest, redis_url, events_stream):
    payload = body(EventKind.STATUS, event_id=str(uuid.uuid4()))
    first = await ingest.post("/webhook/status", json=payload)
    again = await ingest.post("/webhook/status", json=payload)
    assert (first.status_code, again.status_code) == (202, 202)
    assert first.json() == again.json() == {"event_id": payload["event_id"]}
    assert again.headers["idempotent-replayed"] == "true"
    assert len(await stream_events(redis_url, events_stream)) == 1


async def test_an_idempotency_key_names_one_event(ingest, redis_url, events_stream) -> None:
    headers = {"Idempotency-Key": f"retry-{uuid.uuid4()}"}
    answers = [
        await ingest.post("/webhook/start", json=SEED_BODIES[EventKind.START], headers=headers)
        for _ in range(3)
    ]
    assert [a.status_code for a in answers] == [202, 202, 202]
    assert len({a.json()["event_id"] for a in answers}) == 1
    [event] = await stream_events(redis_url, events_stream)
    assert str(event.event_id) == answers[0].json()["event_id"]


async def test_concurrent_retries_store_one_event(ingest, redis_url, events_stream) -> None:
    headers = {"Idempotency-Key": f"burst-{uuid.uuid4()}"}
    answers = await asyncio.gather(
        *(
            ingest.post("/webhook/start", json=SEED_BODIES[EventKind.START], headers=headers)
            for _ in range(10)
        )
    )
    assert {a.status_code for a in answers} == {202}
    assert len(await stream_events(redis_url, events_stream)) == 1


@pytest.mark.parametrize("by_header", [True, False])
async def test_a_reused_key_with_another_body_is_422(ingest, by_header) -> None:
    event_id = str(uuid.uuid4())
    headers = {"Idempotency-Key": event_id} if by_header else {}
    fields = {} if by_header else {"event_id": event_id}
    first = await ingest.post(
        "/webhook/start", json=body(EventKind.START, **fields), headers=headers
    )
    other = body(EventKind.START, task="Another title", **fields)
    second = await ingest.post("/webhook/start", json=other, headers=headers)
    assert first.status_code == 202
    assert second.status_code == 422
    expected = ["header", "Idempotency-Key"] if by_header else ["body", "event_id"]
    assert second.json()["detail"][0]["loc"] == expected


async def test_idempotency_keys_of_two_api_keys_never_meet(ingest, redis_url, events_stream):
    key = f"shared-{uuid.uuid4()}"
    first = await ingest.post(
        "/webhook/start",
        json=body(EventKind.START),
        headers={"Idempotency-Key": key, KEY_NAME_HEADER: "agent-a"},
    )
    other = await ingest.post(
        "/webhook/start",
        json=body(EventKind.START, task="Another agent's task"),
        headers={"Idempotency-Key": key, KEY_NAME_HEADER: "agent-b"},
    )
    assert (first.status_code, other.status_code) == (202, 202)
    assert "idempotent-replayed" not in other.headers
    assert first.json()["event_id"] != other.json()["event_id"]
    events = await stream_events(redis_url, events_stream)
    assert [e.payload.task for e in events] == [
        SEED_BODIES[EventKind.START]["task"],
        "Another agent's task",
    ]


async def test_a_key_limited_to_projects_cannot_post_elsewhere(ingest, redis_url, events_stream):
    limited = {"X-Auth-Projects": "alpha|my%2Dproject"}
    allowed = await ingest.post("/webhook/start", json=body(EventKind.START), headers=limited)
    refused = await ingest.post(
        "/webhook/start", json=body(EventKind.START, project="beta"), headers=limited
    )
    assert (allowed.status_code, refused.status_code) == (202, 403)
    assert "beta" in refused.json()["detail"]
    assert len(await stream_events(redis_url, events_stream)) == 1


@pytest.mark.parametrize("key", ["", "x" * 256, "has space"])
async def test_a_malformed_idempotency_key_is_422(ingest, key) -> None:
    response = await ingest.post(
        "/webhook/start", json=SEED_BODIES[EventKind.START], headers={"Idempotency-Key": key}
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["header", "Idempotency-Key"]

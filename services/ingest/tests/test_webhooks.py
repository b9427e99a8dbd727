"""The ingest API in process, against a real Redis."""

from collections.abc import AsyncIterator

import httpx
import pytest
from faststream.redis import RedisBroker, StreamSub
from pydantic import TypeAdapter
from redis.asyncio import Redis

from tests.factories import SEED_BODIES, body
from tracker_contracts import EventKind, TaskEvent
from tracker_ingest.app import create_app
from tracker_ingest.settings import IngestSettings
from tracker_localstack.ports import free_port


async def serve(settings: IngestSettings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://ingest"
        ) as client,
    ):
        yield client


@pytest.fixture
async def ingest(redis_url: str, events_stream: str) -> AsyncIterator[httpx.AsyncClient]:
    async for client in serve(IngestSettings(redis_url=redis_url, events_stream=events_stream)):
        yield client


@pytest.fixture
async def ingest_without_redis(events_stream: str) -> AsyncIterator[httpx.AsyncClient]:
    settings = IngestSettings(
        redis_url=f"redis://127.0.0.1:{free_port()}/0", events_stream=events_stream
    )
    async for client in serve(settings):
        yield client


async def stream_events(redis_url: str, stream: str) -> list[object]:
    """Decode every entry of the stream the way a FastStream consumer would."""
    events = TypeAdapter(TaskEvent)
    async with RedisBroker(redis_url) as broker:
        subscriber = broker.subscriber(stream=StreamSub(stream, last_id="0"))
        await subscriber.start()
        decoded = []
        while message := await subscriber.get_one(timeout=0.2):
            decoded.append(events.validate_python(await message.decode()))
        return decoded


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


async def test_a_body_that_is_not_json_is_422(ingest) -> None:
    response = await ingest.post(
        "/webhook/start", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert response.status_code == 422


async def test_without_redis_the_answer_is_503_with_retry_after(ingest_without_redis) -> None:
    response = await ingest_without_redis.post("/webhook/start", json=SEED_BODIES[EventKind.START])
    assert response.status_code == 503
    assert int(response.headers["retry-after"]) >= 1
    assert "event_id" not in response.json()


async def test_redis_check_tells_the_truth(ingest, ingest_without_redis) -> None:
    assert (await ingest.get("/redis-check")).status_code == 200
    assert (await ingest_without_redis.get("/redis-check")).status_code == 503
    assert (await ingest_without_redis.get("/health")).status_code == 200


async def test_stream_length_is_bounded(redis_url, events_stream) -> None:
    settings = IngestSettings(redis_url=redis_url, events_stream=events_stream, stream_maxlen=1000)
    async for client in serve(settings):
        for _ in range(1500):
            assert (
                await client.post("/webhook/start", json=SEED_BODIES[EventKind.START])
            ).status_code == 202
    async with Redis.from_url(redis_url) as redis:
        assert await redis.xlen(events_stream) < 1500

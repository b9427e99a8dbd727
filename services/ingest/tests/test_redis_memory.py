"""At Redis's memory limit ingest refuses new events with 503, and loses none it accepted.

Redis runs as compose and `make run` run it: `maxmemory` with `noeviction`, here a tiny limit."""

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from redis.asyncio import Redis

from tests.factories import body
from tests.streams import stream_events
from tracker_contracts import EventKind
from tracker_localstack.ports import free_port
from tracker_localstack.redis import EmbeddedRedis

HEADROOM = 256 * 1024  # bytes above what the empty server uses: some thousands of events
BATCH = 100


@pytest.fixture
def small_redis(tmp_path: Path) -> Iterator[EmbeddedRedis]:
    server = EmbeddedRedis(tmp_path / "redis", free_port(), appendfsync="no").start()
    try:
        yield server
    finally:
        server.stop()


def batch_of(count: int) -> dict[str, list[dict[str, object]]]:
    return {
        "events": [
            {"type": "status", **body(EventKind.STATUS, event_id=str(uuid.uuid4()))}
            for _ in range(count)
        ]
    }


async def test_at_maxmemory_events_are_refused_and_none_accepted_is_lost(
    serve_ingest, small_redis, events_stream
) -> None:
    async with Redis.from_url(small_redis.url) as redis:
        assert (await redis.config_get("maxmemory-policy"))["maxmemory-policy"] == "noeviction"
        used = int((await redis.info("memory"))["used_memory"])
        await redis.config_set("maxmemory", used + HEADROOM)
        accepted: list[str] = []
        async with serve_ingest(redis_url=small_redis.url) as ingest:
            for _ in range(10 * HEADROOM // BATCH // 100):  # far more than fits
                response = await ingest.post("/webhook/batch", json=batch_of(BATCH))
                if response.status_code != 207:
                    break
                assert response.json()["rejected"] == 0, response.json()["results"][0]
                accepted += [r["event_id"] for r in response.json()["results"]]
            assert response.status_code == 503
            # A large write is refused first; single events then fill what is left.
            for _ in range(HEADROOM // 100):
                event_id = str(uuid.uuid4())
                response = await ingest.post(
                    "/webhook/start", json=body(EventKind.START, event_id=event_id)
                )
                if response.status_code != 202:
                    break
                accepted.append(event_id)
            assert response.status_code == 503
            assert int(response.headers["retry-after"]) >= 1
            assert "out of memory" in response.json()["detail"]

            assert len(accepted) >= BATCH
            stored = [str(e.event_id) for e in await stream_events(small_redis.url, events_stream)]
            assert stored == accepted  # every 202 kept, in order; nothing of a refusal written

            # Once there is room again, the same events are accepted (and each stored once).
            await redis.config_set("maxmemory", 0)
            retried = await ingest.post("/webhook/start", json=body(EventKind.START))
            assert retried.status_code == 202
        assert await redis.xlen(events_stream) == len(accepted) + 1

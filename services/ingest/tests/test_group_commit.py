"""Concurrent webhooks share their writes to Redis and keep every promise of a single one."""

import asyncio
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from redis.asyncio import Redis

from tests.factories import body
from tests.streams import stream_events
from tracker_contracts import EventKind
from tracker_localstack.ports import free_port
from tracker_localstack.redis import EmbeddedRedis


async def script_calls(redis: Redis) -> int:
    stats = await redis.info("commandstats")
    return sum(
        int(stats.get(f"cmdstat_{name}", {}).get("calls", 0)) for name in ("evalsha", "eval")
    )


async def post_in_order(client: httpx.AsyncClient, task_id: str, count: int) -> list[int]:
    """One agent reporting `count` steps of its task, each after the previous was answered."""
    statuses = []
    for step in range(count):
        answer = await client.post(
            "/webhook/status", json=body(EventKind.STATUS, task_id=task_id, progress=step)
        )
        statuses.append(answer.status_code)
    return statuses


async def test_concurrent_webhooks_all_land_once_in_each_agents_order(
    ingest, redis_url, events_stream
) -> None:
    agents, steps = 40, 5
    async with Redis.from_url(redis_url) as redis:
        calls_before = await script_calls(redis)
        statuses = await asyncio.gather(
            *(post_in_order(ingest, f"agent-{n}", steps) for n in range(agents))
        )
        calls = await script_calls(redis) - calls_before
    assert {status for answers in statuses for status in answers} == {202}
    events = await stream_events(redis_url, events_stream)
    assert len(events) == agents * steps
    for n in range(agents):
        progress = [e.payload.progress for e in events if e.payload.task_id == f"agent-{n}"]
        assert progress == list(range(steps))
    # Requests that arrived while a write was in flight went to Redis together.
    assert calls < agents * steps / 2


async def test_concurrent_retries_are_settled_one_after_the_other(
    ingest, redis_url, events_stream
) -> None:
    bodies = [body(EventKind.START, task_id=f"t-{n}", event_id=str(uuid.uuid4())) for n in range(8)]
    answers = await asyncio.gather(
        *(ingest.post("/webhook/start", json=payload) for payload in bodies * 3)
    )
    assert {a.status_code for a in answers} == {202}
    replays = Counter(a.json()["event_id"] for a in answers if "idempotent-replayed" in a.headers)
    assert replays == Counter({payload["event_id"]: 2 for payload in bodies})
    events = await stream_events(redis_url, events_stream)
    assert sorted(str(e.event_id) for e in events) == sorted(p["event_id"] for p in bodies)


async def test_one_key_with_two_bodies_at_once_stores_one_of_them(
    ingest, redis_url, events_stream
) -> None:
    event_id = str(uuid.uuid4())
    first = body(EventKind.START, event_id=event_id)
    other = body(EventKind.START, event_id=event_id, task="Another title")
    answers = await asyncio.gather(*(ingest.post("/webhook/start", json=b) for b in (first, other)))
    assert sorted(a.status_code for a in answers) == [202, 422]
    [event] = await stream_events(redis_url, events_stream)
    stored = next(b for a, b in zip(answers, (first, other), strict=True) if a.status_code == 202)
    assert event.payload.task == stored["task"]


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[EmbeddedRedis]:
    """A Redis of this test's own, which it may pause without disturbing anyone else."""
    server = EmbeddedRedis(tmp_path / "redis", free_port()).start()
    yield server
    server.stop()


async def test_a_write_redis_does_not_confirm_fails_exactly_its_requests(
    serve_ingest, own_redis, events_stream
) -> None:
    async with (
        Redis.from_url(own_redis.url) as admin,
        serve_ingest(redis_url=own_redis.url, redis_timeout_seconds=0.5) as ingest,
    ):
        before = await ingest.post("/webhook/start", json=body(EventKind.START, task_id="before"))
        # Redis holds back every write for longer than the ingest waits for a confirmation.
        await admin.execute_command("CLIENT", "PAUSE", 1500, "WRITE")
        stalled = await asyncio.gather(
            *(
                ingest.post("/webhook/start", json=body(EventKind.START, task_id=f"stalled-{n}"))
                for n in range(10)
            )
        )
        await admin.execute_command("CLIENT", "UNPAUSE")
        after = await ingest.post("/webhook/start", json=body(EventKind.START, task_id="after"))
    assert before.status_code == after.status_code == 202
    assert {a.status_code for a in stalled} == {503}
    assert all(int(a.headers["retry-after"]) >= 1 for a in stalled)
    stored = {str(e.event_id) for e in await stream_events(own_redis.url, events_stream)}
    acknowledged = {a.json()["event_id"] for a in (before, *stalled, after) if a.status_code == 202}
    assert acknowledged <= stored


async def test_a_full_write_queue_sheds_load(serve_ingest, redis_url, events_stream) -> None:
    async with serve_ingest(write_queue_limit=3, batch_max_events=3) as ingest:
        answers = await asyncio.gather(
            *(
                ingest.post("/webhook/status", json=body(EventKind.STATUS, progress=n))
                for n in range(30)
            )
        )
    statuses = Counter(a.status_code for a in answers)
    assert set(statuses) == {202, 503}
    assert all(int(a.headers["retry-after"]) >= 1 for a in answers if a.status_code == 503)
    assert len(await stream_events(redis_url, events_stream)) == statuses[202]

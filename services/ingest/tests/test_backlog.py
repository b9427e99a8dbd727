"""The stream's bound counts what waits to be applied, not what is kept for replay.

The consumer group here is driven with the commands the query service's consumer uses
(XGROUP CREATE at 0, XREADGROUP, XACK), on the run's real Redis."""

import pytest
from redis.asyncio import Redis

from tests.factories import SEED_BODIES
from tracker_contracts import EventKind

GROUP = "query"
BOUND = 20


async def post(client, count: int) -> list[int]:
    answers = [
        await client.post("/webhook/status", json=SEED_BODIES[EventKind.STATUS])
        for _ in range(count)
    ]
    return [answer.status_code for answer in answers]


async def apply(redis: Redis, stream: str, count: int, *, ack: bool = True) -> None:
    """The consumer reads `count` entries (and acknowledges them, as after its commit)."""
    [[_, entries]] = await redis.xreadgroup(GROUP, "consumer-1", {stream: ">"}, count=count)
    assert len(entries) == count
    if ack:
        await redis.xack(stream, GROUP, *(entry_id for entry_id, _ in entries))


@pytest.fixture
async def redis(redis_url, events_stream):
    async with Redis.from_url(redis_url) as client:
        await client.xgroup_create(events_stream, GROUP, id="0", mkstream=True)
        yield client


async def test_applied_entries_kept_for_replay_do_not_count(serve_ingest, redis, events_stream):
    async with serve_ingest(stream_max_length=BOUND) as client:
        for _ in range(3):
            assert await post(client, BOUND) == [202] * BOUND
            await apply(redis, events_stream, BOUND)
        # Three times the bound is retained, all of it applied: nothing waits.
        assert await redis.xlen(events_stream) == 3 * BOUND
        assert await post(client, 1) == [202]


async def test_a_backlog_over_the_bound_is_refused_with_retry_after(
    serve_ingest, redis, events_stream
) -> None:
    async with serve_ingest(stream_max_length=BOUND) as client:
        assert await post(client, BOUND) == [202] * BOUND
        await apply(redis, events_stream, BOUND)  # applied, retained
        assert await post(client, BOUND) == [202] * BOUND  # waiting: the bound is reached
        refused = await client.post("/webhook/status", json=SEED_BODIES[EventKind.STATUS])
        assert refused.status_code == 503
        assert int(refused.headers["retry-after"]) >= 1
        assert "waiting to be applied" in refused.json()["detail"]
        # Read but not acknowledged (pending) still waits; once acknowledged, room again.
        await apply(redis, events_stream, BOUND // 2, ack=False)
        assert await post(client, 1) == [503]
        pending = await redis.xpending_range(events_stream, GROUP, "-", "+", BOUND)
        await redis.xack(events_stream, GROUP, *(entry["message_id"] for entry in pending))
        assert await post(client, 1) == [202]
    assert await redis.xlen(events_stream) == 2 * BOUND + 1


async def test_entries_of_other_writers_count_until_the_group_reads_past_them(
    serve_ingest, redis, events_stream
) -> None:
    # Entries appended without ingest (as the benchmark fills the stream) carry no sequence.
    for number in range(BOUND):
        await redis.xadd(events_stream, {"__data__": f"filled-{number}"})
    async with serve_ingest(stream_max_length=BOUND) as client:
        assert await post(client, 1) == [503]  # all of them wait
        await apply(redis, events_stream, BOUND)
        assert await post(client, 1) == [202]  # all applied
        # Last read an entry without a sequence: what follows is not known, so all may wait.
        assert await post(client, 1) == [503]
        await apply(redis, events_stream, 1)
        assert await post(client, BOUND) == [202] * BOUND
        assert await post(client, 1) == [503]


async def test_entries_numbered_before_the_count_was_renamed_count_until_read_past(
    serve_ingest, redis, events_stream
) -> None:
    # Appended by an earlier release, which kept the count under another name: numbered up to
    # 2 * BOUND while the count under the present name starts again from nothing.
    for sequence in range(1, 2 * BOUND + 1):
        await redis.xadd(events_stream, {"__data__": f"earlier-{sequence}", "seq": sequence})
    await apply(redis, events_stream, 5)
    async with serve_ingest(stream_max_length=BOUND) as client:
        # 2 * BOUND - 5 wait; taken at their numbers, the count (0) would say none does.
        assert await post(client, 1) == [503]
        await apply(redis, events_stream, 2 * BOUND - 5)
        assert await post(client, 1) == [202]

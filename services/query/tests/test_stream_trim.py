"""Trimming the event stream while consumers acknowledge entries at the same time, on the run's
real Redis: the group's state may change between two of the trimming's reads."""

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, cast

from redis.asyncio import Redis

from tests.waiting import eventually_async
from tracker_query.consumer import EventConsumer, ensure_consumer_group
from tracker_query.db import create_consumer_engine
from tracker_query.settings import QuerySettings
from tracker_query.stream_trim import trim_applied


class BetweenReads:
    """The run's Redis, with `meanwhile` run right after each read of the groups (XINFO
    GROUPS): what another consumer does between the trimming's reads."""

    def __init__(self, redis: Redis, meanwhile: Callable[[], Awaitable[None]]) -> None:
        self._redis = redis
        self._meanwhile = meanwhile

    async def xinfo_groups(self, stream: str) -> Any:
        groups = await self._redis.xinfo_groups(stream)
        await self._meanwhile()
        return groups

    def __getattr__(self, name: str) -> Any:
        return getattr(self._redis, name)


async def read_all(redis: Redis, settings: QuerySettings) -> list[bytes]:
    """Entry ids a consumer of the group read (now pending for it)."""
    [[_, entries]] = await redis.xreadgroup(
        settings.consumer_group, "consumer-1", {settings.events_stream: ">"}
    )
    return [entry_id for entry_id, _ in entries]


async def test_the_last_pending_entry_acknowledged_between_two_reads(settings) -> None:
    stream, group = settings.events_stream, settings.consumer_group
    async with Redis.from_url(str(settings.redis_url)) as redis:
        await ensure_consumer_group(redis, settings)
        for number in range(3):
            await redis.xadd(stream, {"n": number})
        first, second, last = await read_all(redis, settings)
        await redis.xack(stream, group, first, second)

        async def acknowledge_the_last() -> None:
            await redis.xack(stream, group, last)

        # The groups say one entry is pending; by the time its range is asked, none is.
        racing = cast(Redis, BetweenReads(redis, acknowledge_the_last))
        await trim_applied(racing, stream, retention_seconds=0)
        assert [entry_id for entry_id, _ in await redis.xrange(stream)] == [last]


async def test_maintenance_goes_on_after_an_unforeseen_failure(settings) -> None:
    """Ending the maintenance loop would end trimming (and the restart of a stopped subscriber)
    for good: a failure it did not foresee is logged and the next round runs."""
    settings = settings.model_copy(
        update={
            "stream_retention_seconds": 0,
            "maintenance_interval_seconds": 0.1,
            "claim_idle_ms": 600_000,  # the pending entry stays where it is
        }
    )
    stream, group = settings.events_stream, settings.consumer_group
    failures = 0

    async def fail_once() -> None:
        nonlocal failures
        if not failures:
            failures += 1
            raise RuntimeError("unforeseen")

    async with Redis.from_url(str(settings.redis_url)) as redis:
        await ensure_consumer_group(redis, settings)
        for number in range(3):
            await redis.xadd(stream, {"n": number})
        *applied, last = await read_all(redis, settings)
        await redis.xack(stream, group, *applied)
        engine = create_consumer_engine(settings)
        consumer = EventConsumer(settings, engine, cast(Redis, BetweenReads(redis, fail_once)))
        running = asyncio.create_task(consumer.run())
        try:
            await eventually_async(lambda: _length_is(redis, stream, 1))
        finally:
            await consumer.stop()
            await running
            await engine.dispose()
    assert failures == 1
    assert [entry_id for entry_id, _ in await _entries(settings)] == [last]


async def _length_is(redis: Redis, stream: str, length: int) -> bool:
    return bool(await redis.xlen(stream) == length)


async def _entries(settings: QuerySettings) -> list[tuple[bytes, Any]]:
    async with Redis.from_url(str(settings.redis_url)) as redis:
        return list(await redis.xrange(settings.events_stream))

"""Consumers of processes that are gone leave the consumer group; those of living workers stay.
Real Redis and PostgreSQL, two workers at once."""

import uuid

from redis.asyncio import Redis

from tests.factories import event
from tests.waiting import eventually_async
from tracker_contracts import EventKind
from tracker_query.consumer import ensure_consumer_group
from tracker_query.group_members import GroupMembers
from tracker_query.settings import QuerySettings

from .test_consumer import publish, wait_for_tasks

IDLE_SECONDS = 3.0


async def consumers(settings: QuerySettings) -> dict[str, dict]:
    """The group's consumers by name, as Redis lists them."""
    async with Redis.from_url(str(settings.redis_url)) as redis:
        found = await redis.xinfo_consumers(settings.events_stream, settings.consumer_group)
    return {c["name"].decode(): c for c in found}


def worker_settings(settings: QuerySettings, name: str) -> QuerySettings:
    return settings.model_copy(
        update={
            "consumer_name": name,
            "dead_consumer_idle_seconds": IDLE_SECONDS,
            "maintenance_interval_seconds": 0.2,
        }
    )


async def test_a_dead_consumer_is_emptied_by_claims_then_removed_and_the_living_stay(
    settings, project, run_query, run_worker
) -> None:
    async with Redis.from_url(str(settings.redis_url)) as redis:
        await ensure_consumer_group(redis, settings)
        await publish(settings, event(EventKind.START, 0, project=project, task_id="orphan"))
        # A worker that read an entry and died before acknowledging it.
        await redis.xreadgroup(settings.consumer_group, "dead", {settings.events_stream: ">"})
    assert (await consumers(settings))["dead"]["pending"] == 1

    first, second = (worker_settings(settings, f"w{n}-{uuid.uuid4().hex[:6]}") for n in (1, 2))
    async with run_query(first) as query, run_worker(second):
        # Taken over once idle for CLAIM_IDLE_MS, applied, and only then may it go.
        await wait_for_tasks(query.api, project, 1)
        await publish(settings, event(EventKind.START, 1, project=project, task_id="fresh"))
        await wait_for_tasks(query.api, project, 2)

        async def dead_removed() -> bool:
            return "dead" not in await consumers(settings)

        await eventually_async(dead_removed)
        living = {
            name
            for name in await consumers(settings)
            if name.startswith((first.consumer_name, second.consumer_name))
        }
        assert living, "no living worker's consumer in the group"

        async def living_idle_past_the_limit() -> bool:
            # Still listed long after they were last given anything: marked alive.
            found = await consumers(settings)
            return all(
                name in found and found[name]["idle"] > 2 * IDLE_SECONDS * 1000 for name in living
            )

        await eventually_async(living_idle_past_the_limit)


async def test_only_a_consumer_that_is_idle_unmarked_and_empty_is_removed(settings) -> None:
    stream, group = settings.events_stream, settings.consumer_group
    async with Redis.from_url(str(settings.redis_url)) as redis:
        await ensure_consumer_group(redis, settings)
        for number in range(3):
            await redis.xadd(stream, {"n": number})
        for name in ("dead", "living", "busy"):
            await redis.xreadgroup(group, name, {stream: ">"}, count=1)
        [[_, [(living_entry, _)]]] = await redis.xreadgroup(group, "living", {stream: "0"})
        await redis.xack(stream, group, living_entry)
        [[_, [(dead_entry, _)]]] = await redis.xreadgroup(group, "dead", {stream: "0"})
        await redis.xack(stream, group, dead_entry)
        living = GroupMembers(redis, stream, group, ["living"], idle_seconds=60)
        await living.mark_alive()
        # Another worker, for which a millisecond without deliveries is long enough.
        watcher = GroupMembers(redis, stream, group, [], idle_seconds=0.001)
        # "busy" still holds an entry; "living" is marked by its worker; "dead" is neither.
        assert await watcher.remove_departed() == ["dead"]
        assert await watcher.remove_departed() == []
        assert sorted(await consumers(settings)) == ["busy", "living"]

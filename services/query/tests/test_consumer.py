"""The stream consumer, run by the worker, against real Redis and PostgreSQL; what it applied
read back through the API."""

import asyncio

import httpx
from faststream.redis import RedisBroker
from redis.asyncio import Redis

from tests.factories import event
from tests.waiting import eventually_async
from tracker_contracts import EventKind
from tracker_query.consumer import ensure_consumer_group
from tracker_query.settings import QuerySettings


async def publish(settings: QuerySettings, *events: object) -> None:
    async with RedisBroker(str(settings.redis_url)) as broker:
        for item in events:
            await broker.publish(item, stream=settings.events_stream)


async def wait_for_tasks(client: httpx.AsyncClient, project: str, count: int) -> list[dict]:
    async def tasks() -> list[dict] | None:
        response = await client.get(f"/api/projects/{project}/tasks?limit=500")
        found = response.json() if response.status_code == 200 else []
        return found if len(found) >= count else None

    return await eventually_async(tasks)


async def pending_count(settings: QuerySettings) -> int:
    async with Redis.from_url(str(settings.redis_url)) as redis:
        summary = await redis.xpending(settings.events_stream, settings.consumer_group)
        return int(summary["pending"])


async def nothing_pending(settings: QuerySettings) -> bool:
    return await pending_count(settings) == 0


async def test_events_published_before_the_consumer_started_are_applied(
    settings, project, run_query
):
    await publish(
        settings,
        event(EventKind.START, 0, project=project),
        event(EventKind.FINISH, 5, project=project, task_id="other"),
    )
    async with run_query(settings) as query:
        tasks = await wait_for_tasks(query.api, project, 2)
        assert {t["task_id"]: t["status"] for t in tasks} == {
            "task-123": "running",
            "other": "completed",
        }
        ready = await query.worker.get("/ready")
        assert (ready.status_code, ready.json()) == (
            200,
            {
                "status": "ok",
                "database": "connected",
                "redis": "connected",
                "consumer": "running",
                "waiting": None,
            },
        )
        assert (await query.worker.get("/health")).json() == {
            "status": "ok",
            "consumer": "running",
            "waiting": None,
        }
        await eventually_async(lambda: nothing_pending(settings))


async def test_entries_left_pending_by_a_dead_consumer_are_taken_over(settings, project, run_query):
    async with Redis.from_url(str(settings.redis_url)) as redis:
        await ensure_consumer_group(redis, settings)
        await publish(settings, event(EventKind.START, 0, project=project))
        claimed = await redis.xreadgroup(
            settings.consumer_group, "crashed-consumer", {settings.events_stream: ">"}
        )
        assert len(claimed[0][1]) == 1
    assert await pending_count(settings) == 1

    async with run_query(settings) as query:
        [task] = await wait_for_tasks(query.api, project, 1)
        assert task["status"] == "running"
        await eventually_async(lambda: nothing_pending(settings))


async def test_a_trickle_of_events_is_applied_together_after_the_linger(
    settings, project, run_query
):
    """With a linger, events arriving one by one just after a small batch wait for the next
    read and are applied in one transaction (one `now()`), not one transaction each."""
    lingering = settings.model_copy(update={"apply_linger_ms": 1000})
    async with run_query(lingering) as query:
        await publish(lingering, event(EventKind.START, 0, project=project, task_id="first"))
        await wait_for_tasks(query.api, project, 1)
        for number in range(3):
            await publish(
                lingering, event(EventKind.START, 1, project=project, task_id=f"t{number}")
            )
            await asyncio.sleep(0.05)
        tasks = await wait_for_tasks(query.api, project, 4)
    trickled = {t["updated_at"] for t in tasks if t["task_id"] != "first"}
    assert len(trickled) == 1, tasks

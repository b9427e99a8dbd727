"""The worker's own health, in process against real PostgreSQL and Redis: liveness says its
loops run, readiness that it can do its work, metrics how far behind its group is."""

import asyncio

from redis.asyncio import Redis

from tests.waiting import eventually_async
from tracker_contracts import DATA_FIELD, SEQUENCE_FIELD, appended_count_key
from tracker_query.consumer import ensure_consumer_group
from tracker_query.worker_health import LAG_METRIC, group_lag


async def test_liveness_fails_once_a_loop_has_ended(settings, run_query) -> None:
    async with run_query(settings) as query:
        await eventually_async(lambda: _status(query.worker, "/ready", 200))
        assert (await query.worker.get("/health")).json()["status"] == "ok"
        sweeping = query.worker_app.state.worker.loops[1]
        sweeping.cancel()
        await asyncio.gather(sweeping, return_exceptions=True)
        health = await query.worker.get("/health")
        assert (health.status_code, health.json()["status"]) == (503, "error")
        assert (await query.worker.get("/ready")).status_code == 503


async def test_the_worker_serves_no_api(settings, run_query) -> None:
    async with run_query(settings) as query:
        assert (await query.worker.get("/api/projects")).status_code == 404
        assert (await query.worker.get("/db-check")).status_code == 404


async def _status(client, path: str, status: int) -> bool:  # type: ignore[no-untyped-def]
    return bool((await client.get(path)).status_code == status)


async def append_as_ingest(redis: Redis, stream: str, count: int) -> None:
    """Entries numbered as ingest numbers its appends (the backlog is counted by them)."""
    last = await redis.incrby(appended_count_key(stream), count)
    for sequence in range(last - count + 1, last + 1):
        await redis.xadd(stream, {DATA_FIELD: b"x", SEQUENCE_FIELD: sequence})


async def test_the_lag_counts_what_the_group_has_not_read_or_not_acknowledged(settings) -> None:
    stream, group = settings.events_stream, settings.consumer_group
    async with Redis.from_url(str(settings.redis_url)) as redis:
        assert await group_lag(redis, stream, group) == 0  # no stream yet
        await append_as_ingest(redis, stream, 10)
        assert await group_lag(redis, stream, group) == 10  # no group yet: all wait
        await ensure_consumer_group(redis, settings)
        assert await group_lag(redis, stream, group) == 10
        [[_, read]] = await redis.xreadgroup(group, "c", {stream: ">"}, count=4)
        await redis.xack(stream, group, read[0][0])
        assert await group_lag(redis, stream, group) == 6 + 3  # unread, and pending
        await redis.xack(stream, group, *(entry_id for entry_id, _ in read))
        [[_, rest]] = await redis.xreadgroup(group, "c", {stream: ">"})
        await redis.xack(stream, group, *(entry_id for entry_id, _ in rest))
        assert await group_lag(redis, stream, group) == 0
        await append_as_ingest(redis, stream, 2)
        assert await group_lag(redis, stream, group) == 2


async def test_metrics_give_the_lag_in_prometheus_text_format(settings, run_query) -> None:
    async with run_query(settings) as query:
        await eventually_async(lambda: _status(query.worker, "/ready", 200))
        answer = await query.worker.get("/metrics")
        assert answer.status_code == 200
        assert answer.headers["content-type"].startswith("text/plain; version=0.0.4")
        labels = f'stream="{settings.events_stream}",group="{settings.consumer_group}"'
        assert f"{LAG_METRIC}{{{labels}}} 0\n" in answer.text
        assert f"# TYPE {LAG_METRIC} gauge\n" in answer.text

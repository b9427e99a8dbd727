"""The consumer when things go wrong: poison events, a database that goes away, Redis that is
not there yet, and a stream that must stay bounded. Real servers throughout."""

from collections.abc import Iterator
from pathlib import Path

import asyncpg
import httpx
import pytest
from faststream.redis import RedisBroker
from redis.asyncio import Redis

from tests.factories import event
from tests.waiting import eventually_async
from tracker_contracts import EventKind
from tracker_localstack.databases import ensure_database, plain_dsn
from tracker_localstack.ports import free_port
from tracker_localstack.postgres import EmbeddedPostgres
from tracker_localstack.redis import EmbeddedRedis
from tracker_query.migrate import upgrade_to_head
from tracker_query.settings import QuerySettings


async def publish(redis_url: str, stream: str, *messages: object) -> None:
    async with RedisBroker(redis_url) as broker:
        for message in messages:
            await broker.publish(message, stream=stream)


async def task_count(client: httpx.AsyncClient) -> int:
    response = await client.get("/api/stats")
    return int(response.json()["total_tasks"]) if response.status_code == 200 else -1


async def pending(settings: QuerySettings) -> int:
    async with Redis.from_url(str(settings.redis_url)) as redis:
        return int(
            (await redis.xpending(settings.events_stream, settings.consumer_group))["pending"]
        )


@pytest.fixture
def settings(empty_database_url: str, redis_url: str, events_stream: str) -> QuerySettings:
    return QuerySettings(
        database_url=empty_database_url,
        redis_url=redis_url,
        events_stream=events_stream,
        claim_idle_ms=1000,
        maintenance_interval_seconds=0.2,
    )


async def test_an_event_that_is_not_valid_goes_to_the_dead_letters_at_once(
    settings, run_query
) -> None:
    await publish(
        str(settings.redis_url),
        settings.events_stream,
        event(EventKind.START, 0, task_id="before"),
        {"kind": "start", "payload": "not an event"},
        event(EventKind.START, 1, task_id="after"),
    )
    async with run_query(settings) as query:
        await eventually_async(lambda: _equals(task_count(query.api), 2))
        letters = (await query.api.get("/api/dead-letters")).json()
        assert letters["total"] == 1
        [letter] = letters["entries"]
        assert letter["reason"].startswith("not a valid event")
        assert letter["event"] == {"kind": "start", "payload": "not an event"}
        await eventually_async(lambda: _equals(pending(settings), 0))


async def test_an_entry_not_written_by_faststream_goes_to_the_dead_letters(
    settings, run_query
) -> None:
    await publish(str(settings.redis_url), settings.events_stream, event(EventKind.START, 0))
    async with Redis.from_url(str(settings.redis_url)) as redis:
        await redis.xadd(settings.events_stream, {"note": "written by hand"})
    await publish(
        str(settings.redis_url), settings.events_stream, event(EventKind.START, 1, task_id="b")
    )
    async with run_query(settings) as query:
        await eventually_async(lambda: _equals(task_count(query.api), 2))
        [letter] = await eventually_async(lambda: _dead_letters(query.api, 1))
        assert letter["event"] == {"note": "written by hand"}
        await eventually_async(lambda: _equals(pending(settings), 0))


async def test_an_event_the_database_keeps_refusing_is_set_aside_after_retries(
    settings, run_query
) -> None:
    # A rule of this database rejects one agent's events: a failure that retrying cannot fix.
    connection = await asyncpg.connect(plain_dsn(settings.database_url))
    await connection.execute(
        "ALTER TABLE task_events ADD CONSTRAINT refuse_poison CHECK (agent <> 'poison')"
    )
    await connection.close()
    await publish(
        str(settings.redis_url),
        settings.events_stream,
        event(EventKind.START, 0, task_id="good-1"),
        event(EventKind.START, 1, task_id="bad", agent="poison"),
        event(EventKind.START, 2, task_id="good-2"),
    )
    async with run_query(settings) as query:
        await eventually_async(lambda: _equals(task_count(query.api), 2))
        letters = await eventually_async(lambda: _dead_letters(query.api, 1))
        assert "refuse_poison" in letters[0]["reason"]
        assert letters[0]["event"]["payload"]["task_id"] == "bad"
        await eventually_async(lambda: _equals(pending(settings), 0))
        tasks = (await query.api.get("/api/projects/my-project/tasks")).json()
        assert sorted(t["task_id"] for t in tasks) == ["good-1", "good-2"]


async def test_applied_entries_are_trimmed_and_unapplied_ones_kept(settings, run_query) -> None:
    settings = settings.model_copy(update={"stream_retention_seconds": 0})
    async with Redis.from_url(str(settings.redis_url)) as redis:
        await publish(
            str(settings.redis_url),
            settings.events_stream,
            *(event(EventKind.START, i, task_id=f"t{i}") for i in range(20)),
        )
        async with run_query(settings) as query:
            await eventually_async(lambda: _equals(task_count(query.api), 20))
            await eventually_async(lambda: _at_most(redis.xlen(settings.events_stream), 1))


@pytest.fixture
def own_postgres(tmp_path: Path) -> Iterator[EmbeddedPostgres]:
    server = EmbeddedPostgres(tmp_path / "pg", free_port()).start()
    yield server
    server.stop()


@pytest.fixture
def settings_on_own_postgres(own_postgres, redis_url, events_stream) -> QuerySettings:
    database_url = ensure_database(own_postgres.admin_url(), "tracker")
    upgrade_to_head(database_url)
    return QuerySettings(
        database_url=database_url, redis_url=redis_url, events_stream=events_stream
    )


async def test_while_the_database_is_away_events_wait_and_are_applied_after(
    own_postgres, settings_on_own_postgres, run_query
) -> None:
    settings = settings_on_own_postgres
    redis_url, events_stream = str(settings.redis_url), settings.events_stream
    async with run_query(settings) as query:
        await publish(redis_url, events_stream, event(EventKind.START, 0, task_id="t0"))
        await eventually_async(lambda: _equals(task_count(query.api), 1))

        own_postgres.stop()
        await publish(
            redis_url,
            events_stream,
            *(event(EventKind.START, i, task_id=f"t{i}") for i in range(1, 11)),
        )
        await eventually_async(lambda: _ready(query.worker, "database", "unreachable"))

        own_postgres.start()
        await eventually_async(lambda: _equals(task_count(query.api), 11))
        await eventually_async(lambda: _equals(pending(settings), 0))


async def test_started_without_redis_it_waits_and_then_consumes(
    settings, tmp_path: Path, run_query
) -> None:
    redis = EmbeddedRedis(tmp_path / "redis", free_port())
    settings = settings.model_copy(update={"redis_url": redis.url})
    async with run_query(settings) as query:
        check = (await query.worker.get("/ready")).json()
        assert (check["database"], check["redis"], check["consumer"]) == (
            "connected",
            "unreachable",
            "starting",
        )
        redis.start()
        try:
            await publish(redis.url, settings.events_stream, event(EventKind.START, 0))
            await eventually_async(lambda: _equals(task_count(query.api), 1))
            await eventually_async(lambda: _ready(query.worker, "status", "ok"))
        finally:
            redis.stop()


async def _equals(value, expected) -> bool:  # type: ignore[no-untyped-def]
    return await value == expected


async def _at_most(value, limit) -> bool:  # type: ignore[no-untyped-def]
    return await value <= limit


async def _ready(worker: httpx.AsyncClient, part: str, state: str) -> bool:
    """Whether the worker's readiness says `part` is in `state`."""
    return bool((await worker.get("/ready")).json()[part] == state)


async def _dead_letters(client: httpx.AsyncClient, count: int) -> list[dict] | None:
    entries = (await client.get("/api/dead-letters")).json()["entries"]
    return entries if len(entries) == count else None

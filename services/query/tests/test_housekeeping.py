"""Project settings, stale tasks, history retention, archive and delete, on a real database."""

import asyncio
import json

import asyncpg
import pytest
from redis.asyncio import Redis

from tests.factories import event
from tests.plans import plan_of, sent_statements
from tests.waiting import eventually_async
from tracker_contracts import EventKind, decode_notice, notices_channel, notices_stream
from tracker_localstack.databases import plain_dsn
from tracker_query.db import create_sessionmaker, create_sweep_engine
from tracker_query.settings import QuerySettings
from tracker_query.sweeps import (
    StaleTask,
    Sweeper,
    announcer,
    claim_sweep,
    mark_silent_tasks_stale,
    prune_old_events,
)

ADMIN = {"X-Auth-Key-Scope": "admin"}


@pytest.fixture
def settings(empty_database_url: str, redis_url: str, events_stream: str) -> QuerySettings:
    return QuerySettings(
        database_url=empty_database_url,
        redis_url=redis_url,
        events_stream=events_stream,
        stale_after_seconds=3600,
    )


async def age(settings: QuerySettings, table: str, column: str, seconds: int) -> None:
    """Move every row's `column` `seconds` into the past, as if time had passed."""
    connection = await asyncpg.connect(plain_dsn(settings.database_url))
    try:
        await connection.execute(
            f"UPDATE {table} SET {column} = {column} - make_interval(secs => {seconds})"
        )
    finally:
        await connection.close()


async def sweep(settings: QuerySettings, **options: int) -> list[StaleTask]:
    """One sweep by a worker of its own (its own engine), as if its interval had come."""
    engine = create_sweep_engine(settings)
    try:
        async with Redis.from_url(str(settings.redis_url)) as redis:
            sweeper = Sweeper(
                settings, create_sessionmaker(engine), announcer(redis, settings), **options
            )
            return await sweeper.sweep()
    finally:
        await engine.dispose()


async def execute(settings: QuerySettings, statement: str) -> None:
    connection = await asyncpg.connect(plain_dsn(settings.database_url))
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


async def next_interval(settings: QuerySettings) -> None:
    """Let the sweep interval pass, as far as the replicas' shared lease can tell."""
    await age(settings, "sweep_leases", "started_at", int(settings.sweep_interval_seconds) + 1)


async def test_settings_are_read_and_changed_by_admins_only(api, apply) -> None:
    await apply(event(EventKind.START, project="p"))
    before = (await api.get("/api/projects/p/settings")).json()
    assert before == {
        "stale_after_seconds": None,
        "event_retention_days": None,
        "effective_stale_after_seconds": 3600,
        "effective_event_retention_days": None,
    }
    change = {"stale_after_seconds": 120, "event_retention_days": 7}
    reader = await api.put(
        "/api/projects/p/settings", json=change, headers={"X-Auth-Key-Scope": "read"}
    )
    assert reader.status_code == 403
    changed = await api.put("/api/projects/p/settings", json=change, headers=ADMIN)
    assert changed.status_code == 200
    assert (await api.get("/api/projects/p/settings")).json()[
        "effective_stale_after_seconds"
    ] == 120
    bad = await api.put("/api/projects/p/settings", json={"stale_after_seconds": 1}, headers=ADMIN)
    assert (bad.status_code, bad.json()["detail"][0]["loc"]) == (
        422,
        ["body", "stale_after_seconds"],
    )
    assert (await api.get("/api/projects/nope/settings")).status_code == 404


async def test_a_silent_task_becomes_stale_is_announced_and_revives(api, apply, settings) -> None:
    await apply(
        event(EventKind.START, 0, project="quiet", task_id="silent"),
        event(EventKind.START, 0, project="quiet", task_id="done"),
        event(EventKind.FINISH, 1, project="quiet", task_id="done"),
        event(EventKind.START, 0, project="busy", task_id="patient"),
    )
    await api.put("/api/projects/quiet/settings", json={"stale_after_seconds": 60}, headers=ADMIN)
    await age(settings, "tasks", "updated_at", 600)

    async with Redis.from_url(str(settings.redis_url)) as redis, redis.pubsub() as pubsub:
        await pubsub.subscribe(notices_channel(settings.events_stream))
        await pubsub.get_message(timeout=1)  # the subscription confirmation
        stale = await sweep(settings)
        notice = await pubsub.get_message(ignore_subscribe_messages=True, timeout=5)

    assert [(t.project, t.task_id) for t in stale] == [("quiet", "silent")]
    assert notice is not None
    message = json.loads(notice["data"])
    assert message["type"] == "task_stale"
    assert (message["data"]["task_id"], message["data"]["status"]) == ("silent", "stale")
    async with Redis.from_url(str(settings.redis_url)) as redis:
        [(_, fields)] = await redis.xrange(notices_stream(settings.events_stream))
    kept = decode_notice(fields)
    assert (kept.data.project, kept.data.task_id) == ("quiet", "silent")
    listed = (await api.get("/api/projects/quiet/tasks?status=stale")).json()
    assert [t["task_id"] for t in listed] == ["silent"]
    assert (await api.get("/api/stats")).json()["active_tasks"] == 1
    [quiet] = (await api.get("/api/stats/projects?project=quiet")).json()
    assert quiet["stale_tasks"] == 1
    await next_interval(settings)
    assert await sweep(settings) == []

    await apply(event(EventKind.STATUS, 900, project="quiet", task_id="silent", progress=60))
    [revived] = (await api.get("/api/projects/quiet/tasks?status=running")).json()
    assert (revived["task_id"], revived["progress"]) == ("silent", 60)


async def test_history_older_than_the_retention_is_pruned(api, apply, settings) -> None:
    await apply(
        event(EventKind.START, 0, project="kept"), event(EventKind.START, 0, project="pruned")
    )
    await api.put("/api/projects/pruned/settings", json={"event_retention_days": 1}, headers=ADMIN)
    await age(settings, "task_events", "received_at", 2 * 24 * 3600)
    await sweep(settings)
    kept = (await api.get("/api/projects/kept/tasks/task-123")).json()
    pruned = (await api.get("/api/projects/pruned/tasks/task-123")).json()
    assert (len(kept["events"]), len(pruned["events"])) == (1, 0)
    assert pruned["status"] == "running"


async def test_archived_projects_leave_the_list_and_deleted_ones_are_gone(api, apply) -> None:
    await apply(event(EventKind.START, project="old"), event(EventKind.START, project="current"))
    assert (await api.post("/api/projects/old/archive", headers=ADMIN)).status_code == 204
    names = [p["name"] for p in (await api.get("/api/projects")).json()]
    everything = [p["name"] for p in (await api.get("/api/projects?include_archived=true")).json()]
    assert (names, everything) == (["current"], ["current", "old"])
    assert (await api.post("/api/projects/old/unarchive", headers=ADMIN)).status_code == 204
    assert len((await api.get("/api/projects")).json()) == 2

    assert (await api.delete("/api/projects/old", headers=ADMIN)).status_code == 204
    assert (await api.get("/api/projects/old/tasks")).status_code == 404
    assert (await api.get("/api/stats")).json()["total_tasks"] == 1
    assert (await api.delete("/api/projects/old", headers=ADMIN)).status_code == 404


async def test_the_sweep_runs_once_per_interval_whatever_the_replicas(apply, settings) -> None:
    await apply(event(EventKind.START, 0, project="p", task_id="first"))
    await age(settings, "tasks", "updated_at", 7200)
    assert [t.task_id for t in await sweep(settings)] == ["first"]

    await apply(event(EventKind.START, 0, project="p", task_id="second"))
    await age(settings, "tasks", "updated_at", 7200)
    assert await sweep(settings) == []  # another replica, within the same interval

    await next_interval(settings)
    assert [t.task_id for t in await sweep(settings)] == ["second"]


@pytest.mark.parametrize("lease", ["never claimed", "claimed an interval ago"])
async def test_two_workers_whose_interval_comes_at_once_sweep_once(
    apply, settings, lease: str
) -> None:
    """The second claim waits for the first to commit, then finds the lease taken: the
    `sweep_leases` row settles claims made at the same moment, not only later ones."""
    if lease == "claimed an interval ago":
        assert await sweep(settings) == []
        await next_interval(settings)
    await apply(event(EventKind.START, 0, project="p", task_id="silent"))
    await age(settings, "tasks", "updated_at", 7200)
    engine = create_sweep_engine(settings)
    try:
        async with create_sessionmaker(engine)() as first:
            async with first.begin():
                assert await claim_sweep(first, settings.sweep_interval_seconds)
                second = asyncio.create_task(sweep(settings))
                await eventually_async(lambda: waiting_for_a_lock(settings))
            # The first worker's claim is committed: the second one's sweep does nothing.
            assert await asyncio.wait_for(second, timeout=60) == []  # a guard, not a measure
    finally:
        await engine.dispose()
    await next_interval(settings)
    assert [t.task_id for t in await sweep(settings)] == ["silent"]


async def waiting_for_a_lock(settings: QuerySettings) -> bool:
    connection = await asyncpg.connect(plain_dsn(settings.database_url))
    try:
        waiting = await connection.fetchval(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE wait_event_type = 'Lock' AND datname = current_database()"
        )
    finally:
        await connection.close()
    return bool(waiting)


async def test_a_task_held_by_the_consumer_does_not_hold_up_the_sweep(apply, settings) -> None:
    await apply(
        event(EventKind.START, 0, project="p", task_id="held"),
        event(EventKind.START, 0, project="p", task_id="free"),
    )
    await age(settings, "tasks", "updated_at", 7200)
    consumer = await asyncpg.connect(plain_dsn(settings.database_url))
    try:
        async with consumer.transaction():
            await consumer.execute("SELECT 1 FROM tasks WHERE task_id = 'held' FOR UPDATE")
            # A guard against hanging for good, not a measure of speed.
            stale = await asyncio.wait_for(sweep(settings), timeout=60)
            assert [t.task_id for t in stale] == ["free"]
    finally:
        await consumer.close()
    await next_interval(settings)
    assert [t.task_id for t in await sweep(settings)] == ["held"]


async def test_sweeps_work_in_bounded_chunks_and_leave_the_rest_for_later(
    api, apply, settings
) -> None:
    await apply(*[event(EventKind.START, i, project="p", task_id=f"t{i}") for i in range(5)])
    await apply(*[event(EventKind.STATUS, i, project="p", task_id="t0") for i in range(1, 7)])
    await api.put("/api/projects/p/settings", json={"event_retention_days": 1}, headers=ADMIN)
    await age(settings, "tasks", "updated_at", 7200)
    await age(settings, "task_events", "received_at", 2 * 24 * 3600)

    chunks = {"stale_chunk": 2, "prune_chunk": 4, "max_chunks": 2}
    assert len(await sweep(settings, **chunks)) == 4
    assert await event_count(settings) == 11 - 8
    await next_interval(settings)
    assert len(await sweep(settings, **chunks)) == 1
    assert await event_count(settings) == 0


async def event_count(settings: QuerySettings) -> int:
    connection = await asyncpg.connect(plain_dsn(settings.database_url))
    try:
        return int(await connection.fetchval("SELECT count(*) FROM task_events"))
    finally:
        await connection.close()


# Many projects, most tasks finished, history of several events per task: enough rows that
# reading everything would show in the plan as a sequential scan. (Written without the
# task-totals trigger, which the sweeps do not read, to fill faster.)
_FILL = """
    SET session_replication_role = replica;
    INSERT INTO projects (name) SELECT 'project-' || i FROM generate_series(1, 50) AS i;
    INSERT INTO agents (name) VALUES ('agent');
    INSERT INTO tasks (project_id, task_id, title, agent_id, status, progress, started_at,
                       updated_at)
    SELECT p.id, 'task-' || i, 'Task ' || i, a.id,
           CASE WHEN i % 10 = 0 THEN 'running' ELSE 'completed' END, 0, now(), now()
    FROM generate_series(1, 50000) AS i
    JOIN projects AS p ON p.name = 'project-' || (1 + i % 50), agents AS a;
    INSERT INTO task_events (event_id, task_pk, project_id, kind, agent, occurred_at,
                             received_at, payload)
    SELECT gen_random_uuid(), t.id, t.project_id, 'status', 'agent', now(), now(), '{}'
    FROM tasks AS t, generate_series(1, 3);
    INSERT INTO project_settings (project_id, event_retention_days, stale_after_seconds)
    SELECT id, 7, 60 FROM projects WHERE name IN ('project-1', 'project-2');
    RESET session_replication_role;
    ANALYZE;
"""


async def test_the_sweeps_read_only_due_rows_by_index(sessions, settings) -> None:
    await execute(settings, _FILL)
    async with sessions() as session:
        connection = await session.connection()
        statements = await sent_statements(
            connection,
            lambda: mark_silent_tasks_stale(session, settings.stale_after_seconds),
        )
        statements += await sent_statements(connection, lambda: prune_old_events(session, 30))
        stale_plan = await plan_of(connection, *statements[0])
        await connection.exec_driver_sql("DEALLOCATE planned")
        prune_plan = await plan_of(connection, *statements[1])
        await session.rollback()
    assert "ix_tasks_active_project_updated" in stale_plan, stale_plan
    assert "Seq Scan on tasks" not in stale_plan, stale_plan
    assert "ix_task_events_project_received" in prune_plan, prune_plan
    assert "Seq Scan on task_events" not in prune_plan, prune_plan

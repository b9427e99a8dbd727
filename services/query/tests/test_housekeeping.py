"""Project settings, stale tasks, history retention, archive and delete, on a real database."""

import json

import asyncpg
import pytest
from redis.asyncio import Redis

from tests.factories import event
from tracker_contracts import EventKind, notices_channel
from tracker_localstack.databases import plain_dsn
from tracker_query.db import create_engine, create_sessionmaker
from tracker_query.settings import QuerySettings
from tracker_query.sweeps import StaleTask, Sweeper, announcer

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


async def sweep(settings: QuerySettings) -> list[StaleTask]:
    engine = create_engine(settings)
    try:
        async with Redis.from_url(str(settings.redis_url)) as redis:
            sweeper = Sweeper(settings, create_sessionmaker(engine), announcer(redis, settings))
            return await sweeper.sweep()
    finally:
        await engine.dispose()


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
    listed = (await api.get("/api/projects/quiet/tasks?status=stale")).json()
    assert [t["task_id"] for t in listed] == ["silent"]
    assert (await api.get("/api/stats")).json()["active_tasks"] == 1
    [quiet] = (await api.get("/api/stats/projects?project=quiet")).json()
    assert quiet["stale_tasks"] == 1
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

"""The migrations build exactly the schema the models describe."""

import asyncio
import json
import uuid

import asyncpg
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from tracker_localstack.databases import drop_database, ensure_database, plain_dsn
from tracker_query.db import create_writing_engine
from tracker_query.migrate import (
    alembic_config,
    newest_revisions,
    upgrade_to_head,
    wait_for_newest,
)
from tracker_query.models import Base
from tracker_query.settings import QuerySettings


async def test_the_migrated_schema_matches_the_models(settings: QuerySettings) -> None:
    def differences(connection: Connection) -> list[object]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, Base.metadata))

    engine = create_writing_engine(settings)
    try:
        async with engine.connect() as connection:
            assert await connection.run_sync(differences) == []
    finally:
        await engine.dispose()


def test_0006_bounds_stored_metadata_and_goes_down_and_up_again(postgres_admin_url: str) -> None:
    name = f"tracker_test_{uuid.uuid4().hex[:12]}"
    url = ensure_database(postgres_admin_url, name)
    try:
        asyncio.run(_migrate(url, "0005"))
        asyncio.run(_fill_before_0006(url))
        asyncio.run(_migrate(url, "head"))
        capped, preview, truncated, projects = asyncio.run(_fetch_after_0006(url))
        assert len(json.loads(capped)) == 1000
        assert len(capped.encode()) <= 64 * 1024
        assert truncated is True
        assert len(preview.encode()) <= 2048
        assert projects == ["ok"]
        asyncio.run(_migrate(url, "0005", down=True))
        asyncio.run(_migrate(url, "head"))
    finally:
        drop_database(postgres_admin_url, name)


async def _migrate(url: str, revision: str, *, down: bool = False) -> None:
    engine = create_async_engine(url)
    step = command.downgrade if down else command.upgrade
    try:
        async with engine.begin() as connection:
            await connection.run_sync(lambda sync: step(alembic_config(sync), revision))
    finally:
        await engine.dispose()


async def _fill_before_0006(url: str) -> None:
    """A task whose metadata grew without bound, as it could before 0006, with its history."""
    connection = await asyncpg.connect(plain_dsn(url))
    try:
        await connection.execute("""
            INSERT INTO projects (name) VALUES ('p');
            INSERT INTO agents (name) VALUES ('a');
            INSERT INTO tasks (project_id, task_id, title, agent_id, status, progress, metadata)
            SELECT p.id, 't', 'T', a.id, 'running', 0,
                   (SELECT jsonb_object_agg('key-' || i, i) FROM generate_series(1, 120000) i)
            FROM projects AS p, agents AS a;
            INSERT INTO task_events (event_id, task_pk, kind, agent, occurred_at, received_at,
                                     payload)
            SELECT gen_random_uuid(), id, 'start', 'a', now(), now(), '{}' FROM tasks;
        """)
    finally:
        await connection.close()


async def _fetch_after_0006(url: str) -> tuple[str, str, bool, list[str]]:
    connection = await asyncpg.connect(plain_dsn(url))
    try:
        task = await connection.fetchrow(
            "SELECT metadata::text, metadata_preview::text, metadata_truncated FROM tasks"
        )
        projects = await connection.fetch(
            "SELECT CASE WHEN e.project_id = t.project_id THEN 'ok' ELSE 'wrong' END "
            "FROM task_events AS e JOIN tasks AS t ON t.id = e.task_pk"
        )
    finally:
        await connection.close()
    return (*task, [row[0] for row in projects])


def test_waiting_for_the_schema_ends_once_it_is_the_newest(postgres_admin_url: str) -> None:
    name = f"tracker_test_{uuid.uuid4().hex[:12]}"
    url = ensure_database(postgres_admin_url, name)
    try:
        assert wait_for_newest(url, seconds=0) == (
            f"the schema is not at {', '.join(sorted(newest_revisions()))} yet: revision none"
        )
        asyncio.run(_migrate(url, "0005"))
        assert "yet: revision 0005" in (wait_for_newest(url, seconds=0) or "")
        upgrade_to_head(url)
        assert wait_for_newest(url, seconds=0) is None
        # A later release migrated further: this one (a rollback) runs on that schema.
        asyncio.run(_set_revision(url, "9999_from_a_later_release"))
        assert wait_for_newest(url, seconds=0) is None
    finally:
        drop_database(postgres_admin_url, name)


async def _set_revision(url: str, revision: str) -> None:
    connection = await asyncpg.connect(plain_dsn(url))
    try:
        await connection.execute("UPDATE alembic_version SET version_num = $1", revision)
    finally:
        await connection.close()


def test_waiting_for_an_unreachable_database_says_so() -> None:
    url = "postgresql+asyncpg://tracker:secret-password@127.0.0.1:1/tracker"
    waiting = wait_for_newest(url, seconds=0)
    assert waiting is not None
    assert "no answer from the database" in waiting
    assert "secret-password" not in waiting

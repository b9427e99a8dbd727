"""The consumer applies events with connections of its own: requests that hold every connection
of the worker's other pool (the sweeps', which its readiness checks share: many `/ready` calls
on a hung database) delay no event. The API, a process of its own, has pools of its own."""

import asyncpg
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from tests.factories import event
from tests.waiting import eventually_async
from tracker_contracts import EventKind
from tracker_localstack.databases import plain_dsn
from tracker_query.settings import QuerySettings

from .test_consumer import publish


async def test_events_are_applied_while_the_sweep_pool_is_exhausted(
    settings: QuerySettings, project: str, run_query
) -> None:
    async with run_query(settings) as query:
        engine: AsyncEngine = query.worker_app.state.worker.sessions.kw["bind"]
        pool = engine.sync_engine.pool
        capacity = pool.size() + pool._max_overflow  # type: ignore[attr-defined]
        held: list[AsyncConnection] = [await engine.connect() for _ in range(capacity)]
        try:
            await publish(
                settings,
                *(event(EventKind.START, i, project=project, task_id=f"t{i}") for i in range(10)),
            )

            async def applied() -> bool:
                connection = await asyncpg.connect(plain_dsn(settings.database_url))
                try:
                    count = await connection.fetchval(
                        "SELECT count(*) FROM tasks t JOIN projects p ON p.id = t.project_id "
                        "WHERE p.name = $1",
                        project,
                    )
                finally:
                    await connection.close()
                return bool(count == 10)

            # Sharing a pool, the consumer could not apply anything until they were released.
            await eventually_async(applied)
            assert (await query.worker.get("/ready")).json()["database"] == "unreachable"
        finally:
            for connection in held:
                await connection.close()
        assert (await query.worker.get("/ready")).json()["consumer"] == "running"

"""The consumer applies events with connections of its own: requests that hold every
connection of the API's pools (many `/db-check` calls on a hung database) delay no event."""

import asyncpg
import httpx
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from tests.factories import GATEWAY_IDENTITY, event
from tests.waiting import eventually_async
from tracker_contracts import EventKind
from tracker_localstack.databases import plain_dsn
from tracker_query.app import create_app
from tracker_query.settings import QuerySettings

from .test_consumer import publish


async def test_events_are_applied_while_the_api_pools_are_exhausted(
    settings: QuerySettings, project: str
) -> None:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        held: list[AsyncConnection] = []
        for sessions in (app.state.sessionmaker, app.state.reading_sessionmaker):
            engine: AsyncEngine = sessions.kw["bind"]
            pool = engine.sync_engine.pool
            capacity = pool.size() + pool._max_overflow  # type: ignore[attr-defined]
            held += [await engine.connect() for _ in range(capacity)]
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
        finally:
            for connection in held:
                await connection.close()
        client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://q", headers=GATEWAY_IDENTITY
        )
        assert (await client.get("/health")).json()["consumer"] == "running"

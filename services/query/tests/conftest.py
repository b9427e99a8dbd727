from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.factories import GATEWAY_IDENTITY
from tracker_contracts import AnyTaskEvent
from tracker_query.app import create_app
from tracker_query.applying import apply_events
from tracker_query.db import create_engine, create_sessionmaker
from tracker_query.settings import QuerySettings


@pytest.fixture
def settings(database_url: str, redis_url: str, events_stream: str) -> QuerySettings:
    return QuerySettings(
        database_url=database_url,
        redis_url=redis_url,
        events_stream=events_stream,
        claim_idle_ms=1000,
    )


@pytest.fixture
async def sessions(settings: QuerySettings) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(settings)
    yield create_sessionmaker(engine)
    await engine.dispose()


@pytest.fixture
def apply(sessions: async_sessionmaker[AsyncSession]):  # type: ignore[no-untyped-def]
    """Apply events in one committed transaction, as the consumer does for a batch."""

    async def apply_committed(*events: AnyTaskEvent) -> int:
        async with sessions() as session, session.begin():
            return await apply_events(session, events)

    return apply_committed


@pytest.fixture
async def api(settings: QuerySettings) -> AsyncIterator[httpx.AsyncClient]:
    """The query API in process, without its stream consumer."""
    app = create_app(settings, consume=False)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url="http://query",
            headers=GATEWAY_IDENTITY,
        ) as client,
    ):
        yield client

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.factories import GATEWAY_IDENTITY
from tracker_contracts import AnyTaskEvent
from tracker_query.app import create_app
from tracker_query.applying import apply_events
from tracker_query.db import create_sessionmaker, create_writing_engine
from tracker_query.settings import QuerySettings
from tracker_query.worker import create_app as create_worker


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
    engine = create_writing_engine(settings)
    yield create_sessionmaker(engine)
    await engine.dispose()


@pytest.fixture
def apply(sessions: async_sessionmaker[AsyncSession]):  # type: ignore[no-untyped-def]
    """Apply events in one committed transaction, as the consumer does for a batch."""

    async def apply_committed(*events: AnyTaskEvent) -> int:
        async with sessions() as session, session.begin():
            return await apply_events(session, events)

    return apply_committed


@asynccontextmanager
async def serving(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """The app in process, its lifespan running, called as the gateway would call it."""
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url="http://query",
            headers=GATEWAY_IDENTITY,
        ) as client,
    ):
        yield client


@pytest.fixture
async def api(settings: QuerySettings) -> AsyncIterator[httpx.AsyncClient]:
    """The query API in process; no worker applies the stream."""
    async with serving(create_app(settings)) as client:
        yield client


@dataclass(frozen=True)
class Query:
    """The query service running: a worker applying the stream, and the API."""

    api: httpx.AsyncClient
    worker: httpx.AsyncClient
    worker_app: FastAPI


RunQuery = Callable[[QuerySettings], AbstractAsyncContextManager[Query]]


@pytest.fixture
def run_query() -> RunQuery:
    """Runs a worker and the API with these settings for as long as the block lasts."""

    @asynccontextmanager
    async def run(settings: QuerySettings) -> AsyncIterator[Query]:
        worker = create_worker(settings)
        async with serving(worker) as worker_client, serving(create_app(settings)) as api:
            yield Query(api, worker_client, worker)

    return run


RunWorker = Callable[[QuerySettings], AbstractAsyncContextManager[httpx.AsyncClient]]


@pytest.fixture
def run_worker() -> RunWorker:
    """Runs one more worker with these settings for as long as the block lasts."""
    return lambda settings: serving(create_worker(settings))

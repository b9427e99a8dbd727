"""Fixtures of the notify tests: the run's PostgreSQL (with the schema `notify` migrated) and
Redis from the root conftest, and the service in process."""

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tracker_notify.app import create_app
from tracker_notify.db import create_engine, create_sessionmaker
from tracker_notify.migrate import upgrade_to_head
from tracker_notify.settings import NotifySettings


@pytest.fixture(scope="session")
def notify_database_url(database_url: str) -> str:
    upgrade_to_head(database_url)
    return database_url


@pytest.fixture
def settings(notify_database_url: str, redis_url: str, events_stream: str) -> NotifySettings:
    return NotifySettings(
        database_url=notify_database_url,
        redis_url=redis_url,
        events_stream=events_stream,
        dashboard_url="https://tracker.example.org",
        poll_seconds=0.05,
        claim_idle_ms=1000,
        retry_delays_seconds=[0.2],
        give_up_after_seconds=600,
    )


@pytest.fixture
async def sessions(settings: NotifySettings) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(settings)
    yield create_sessionmaker(engine)
    await engine.dispose()


async def serve(app: FastAPI, headers: dict[str, str]) -> AsyncIterator[httpx.AsyncClient]:
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://notify", headers=headers
        ) as client,
    ):
        yield client


@pytest.fixture
async def notify_app(settings: NotifySettings) -> FastAPI:
    return create_app(settings)

"""Fixtures of the notify tests: the run's PostgreSQL (with the schema `notify` migrated) and
Redis from the root conftest, the service running in process, real loopback receivers."""

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from aiohttp import web
from fastapi import FastAPI
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.factories import GATEWAY_IDENTITY
from tests.waiting import eventually_async
from tracker_contracts import DATA_FIELD, AnyNotice, AnyTaskEvent, encode_event, encode_notice
from tracker_contracts import notices_stream as notices_stream_of
from tracker_localstack.ports import free_port
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
        smtp_starttls=False,
    )


@pytest.fixture
async def sessions(settings: NotifySettings) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(settings)
    yield create_sessionmaker(engine)
    await engine.dispose()


class Clock:
    """The service's time: real time shifted by `ahead`, moved on by tests."""

    def __init__(self) -> None:
        self.ahead = timedelta()

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.ahead

    def advance(self, **delta: float) -> None:
        self.ahead += timedelta(**delta)


@dataclass
class Running:
    """The notify service running in process, and a Redis client to feed it."""

    api: httpx.AsyncClient
    app: FastAPI
    redis: Redis
    settings: NotifySettings
    clock: Clock

    async def publish(self, *events: AnyTaskEvent) -> None:
        for event in events:
            await self.redis.xadd(self.settings.events_stream, {DATA_FIELD: encode_event(event)})

    async def announce(self, notice: AnyNotice) -> None:
        stream = notices_stream_of(self.settings.events_stream)
        await self.redis.xadd(stream, encode_notice(notice))  # type: ignore[arg-type]

    async def deliveries(self, project: str, **params: str) -> list[dict]:
        answer = await self.api.get(
            f"/api/projects/{project}/notifications/deliveries", params=params
        )
        assert answer.status_code == 200, answer.text
        return answer.json()["items"]

    async def channel(self, project: str, **body: object) -> dict:
        created = await self.api.post(f"/api/projects/{project}/notifications/channels", json=body)
        assert created.status_code == 201, created.text
        return created.json()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@asynccontextmanager
async def running(settings: NotifySettings, clock: Clock) -> AsyncIterator[Running]:
    """A notify process in this one, called as the gateway calls it with an admin key."""
    app = create_app(settings, clock)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url="http://notify",
            headers=GATEWAY_IDENTITY,
        ) as api,
        Redis.from_url(settings.redis_url.unicode_string()) as redis,
    ):
        await eventually_async(lambda: _consuming(app), within=10)
        yield Running(api, app, redis, settings, clock)


@pytest.fixture
async def notify(settings: NotifySettings, clock: Clock) -> AsyncIterator[Running]:
    async with running(settings, clock) as service:
        yield service


@pytest.fixture
def run_notify(clock: Clock):  # type: ignore[no-untyped-def]
    """Runs a notify process with other settings for as long as the block lasts."""
    return lambda settings: running(settings, clock)


async def _consuming(app: FastAPI) -> bool:
    return bool(app.state.consumer.consuming)


# Real HTTP receivers on loopback, standing in for a customer's endpoint and for Slack.


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    """Answers each path with its statuses in turn (the last one repeats), after `delay`."""

    base_url: str
    statuses: dict[str, list[int]] = field(default_factory=dict)
    delays: dict[str, float] = field(default_factory=dict)
    received: list[Received] = field(default_factory=list)

    def url(self, path: str) -> str:
        return f"{self.base_url}{path}"

    def at(self, path: str) -> list[Received]:
        return [r for r in self.received if r.path == path]

    async def _answer(self, request: web.Request) -> web.Response:
        body = await request.read()
        self.received.append(Received(request.path, dict(request.headers), body))
        await asyncio.sleep(self.delays.get(request.path, 0))
        statuses = self.statuses.get(request.path, [200])
        status = statuses.pop(0) if len(statuses) > 1 else statuses[0]
        return web.Response(status=status, text="ok" if status < 300 else "no")


@asynccontextmanager
async def receiving() -> AsyncIterator[Receiver]:
    port = free_port()
    receiver = Receiver(f"http://127.0.0.1:{port}")
    app = web.Application()
    app.router.add_post("/{tail:.*}", receiver._answer)
    runner = web.AppRunner(app, shutdown_timeout=0.1)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield receiver
    finally:
        await runner.cleanup()


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    async with receiving() as running:
        yield running

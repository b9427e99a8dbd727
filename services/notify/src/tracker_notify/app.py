"""The notify service: `uvicorn --factory tracker_notify.app:create_app`.

One process serves the HTTP API (channels, rules, the delivery log) and runs its loops: the
consumer of the events and notices streams (group `notify`), the deliverer, and the due loop
(waits for input, debounce digests). Any number of replicas may run side by side: stream
entries are shared by the group, deliveries and due rows claimed with `SKIP LOCKED`.
"""

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tracker_contracts import GatewayIdentityGuard, notices_stream

from .api import channels, deliveries, health, rules
from .api.outgoing import webhooks
from .clock import Clock, utc_now
from .consumer import GroupConsumer
from .db import create_engine, create_sessionmaker
from .deliverer import Deliverer
from .due import fire_due_waits, send_due_digests
from .errors import Invalid, NotFound
from .handling import event_handler, notice_handler
from .notifying import Policy
from .pausing import pause
from .settings import NotifySettings, get_settings

logger = logging.getLogger(__name__)

STOP_TIMEOUT_SECONDS = 10.0
"""How long the loops get to finish their round when the process stops."""


def create_app(settings: NotifySettings | None = None, clock: Clock = utc_now) -> FastAPI:
    settings = settings or get_settings()
    policy = Policy(
        settings.dashboard_url, settings.debounce_limit, settings.debounce_window_seconds
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = create_engine(settings)
        sessions = create_sessionmaker(engine)
        redis = Redis.from_url(str(settings.redis_url), socket_timeout=5.0)
        client = httpx.AsyncClient(
            timeout=settings.delivery_timeout_seconds, follow_redirects=False
        )
        consumer = GroupConsumer(
            settings,
            redis,
            [
                (settings.events_stream, event_handler(sessions, policy, clock)),
                (notices_stream(settings.events_stream), notice_handler(sessions, policy, clock)),
            ],
        )
        deliverer = Deliverer(settings, sessions, client, clock)
        app.state.settings = settings
        app.state.policy = policy
        app.state.sessionmaker = sessions
        app.state.redis = redis
        app.state.consumer = consumer
        app.state.deliverer = deliverer
        stop = asyncio.Event()
        app.state.loops = loops = [
            asyncio.create_task(consumer.run(stop), name="consume"),
            asyncio.create_task(deliverer.run(stop), name="deliver"),
            asyncio.create_task(_due_loop(sessions, policy, clock, settings, stop), name="due"),
        ]
        try:
            yield
        finally:
            stop.set()
            await asyncio.wait(loops, timeout=STOP_TIMEOUT_SECONDS)
            for loop in loops:
                loop.cancel()
            await consumer.stop()
            await deliverer.stop()
            await client.aclose()
            await redis.aclose()
            await engine.dispose()

    app = FastAPI(
        title="Agent Task Tracker — notifications",
        summary="Rules that notify webhooks, Slack and email when tasks fail, stall or wait.",
        version="0.1.0",
        lifespan=lifespan,
        webhooks=webhooks,
    )
    for module in (health, channels, rules, deliveries):
        app.include_router(module.router)
    app.add_middleware(
        GatewayIdentityGuard, protected=("/api/",), required=settings.require_gateway_identity
    )

    @app.exception_handler(NotFound)
    async def not_found(request: Request, error: Exception) -> JSONResponse:
        return JSONResponse(status_code=404, content={"detail": str(error)})

    @app.exception_handler(Invalid)
    async def invalid(request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, Invalid)
        detail = [{"loc": ["body", error.field], "msg": str(error), "type": "value_error"}]
        return JSONResponse(status_code=422, content={"detail": detail})

    return app


async def _due_loop(
    sessions: async_sessionmaker[AsyncSession],
    policy: Policy,
    clock: Clock,
    settings: NotifySettings,
    stop: asyncio.Event,
) -> None:
    work: list[Callable[..., Awaitable[int]]] = [fire_due_waits, send_due_digests]
    while not stop.is_set():
        for step in work:
            try:
                await step(sessions, policy, clock())
            except Exception:
                logger.exception("due loop: %s failed", step.__name__)
        await pause(stop, settings.poll_seconds)

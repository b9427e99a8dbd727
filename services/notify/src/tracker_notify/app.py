"""The notify service: `uvicorn --factory tracker_notify.app:create_app`.

One process serves the HTTP API (channels, rules, the delivery log) and runs the loops that
turn events into notifications; any number of replicas may run side by side.
"""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from redis.asyncio import Redis

from tracker_contracts import GatewayIdentityGuard

from .api import health
from .db import create_engine, create_sessionmaker
from .settings import NotifySettings, get_settings


def create_app(settings: NotifySettings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = create_engine(settings)
        redis = Redis.from_url(str(settings.redis_url), socket_timeout=5.0)
        app.state.settings = settings
        app.state.sessionmaker = create_sessionmaker(engine)
        app.state.redis = redis
        loops: list[asyncio.Task[None]] = []
        app.state.loops = loops
        try:
            yield
        finally:
            for loop in loops:
                loop.cancel()
            await asyncio.gather(*loops, return_exceptions=True)
            await redis.aclose()
            await engine.dispose()

    app = FastAPI(
        title="Agent Task Tracker — notifications",
        summary="Rules that notify webhooks, Slack and email when tasks fail, stall or wait.",
        version="0.1.0",
        lifespan=lifespan,
    )
    app.include_router(health.router)
    app.add_middleware(
        GatewayIdentityGuard, protected=("/api/",), required=settings.require_gateway_identity
    )
    return app

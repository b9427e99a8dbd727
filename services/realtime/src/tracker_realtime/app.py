"""The realtime service: relays task events from the stream to WebSocket clients."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from redis.asyncio import Redis

from tracker_contracts import GatewayIdentityGuard

from .connections import ConnectionRegistry
from .feed import LiveFeed
from .hub import Hub
from .index import ReplayIndex
from .redaction import redact_api_keys_in_server_logs
from .routes import router
from .settings import RealtimeSettings, get_settings


def create_app(settings: RealtimeSettings | None = None) -> FastAPI:
    settings = settings or get_settings()
    redact_api_keys_in_server_logs()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        redis = Redis.from_url(str(settings.redis_url), socket_timeout=2.0)
        registry = ConnectionRegistry(
            redis,
            settings.events_stream,
            settings.replica_id,
            settings.connection_report_ttl_seconds,
        )
        hub = Hub(on_change=registry.changed.set)
        index = ReplayIndex(settings.replay_index_max_entries)
        feed = LiveFeed(settings, hub, redis, index)
        app.state.settings, app.state.hub, app.state.registry = settings, hub, registry
        app.state.index = index
        app.state.feed, app.state.redis = feed, redis
        stop = asyncio.Event()
        starting = asyncio.create_task(feed.run_until(stop))
        reporting = asyncio.create_task(
            registry.report_until(stop, hub, settings.connection_report_seconds)
        )
        try:
            yield
        finally:
            stop.set()
            await starting
            await reporting
            await feed.stop()
            await registry.withdraw()
            await redis.aclose()

    app = FastAPI(
        title="Agent Task Tracker — realtime",
        summary="Live task events over WebSocket.",
        version="0.1.0",
        lifespan=lifespan,
    )
    app.include_router(router)
    app.add_middleware(
        GatewayIdentityGuard,
        protected=("/webhook/ws", "/api/websocket/"),
        required=settings.require_gateway_identity,
    )
    return app

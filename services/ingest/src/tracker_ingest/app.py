"""The ingest service: validates webhooks (and maps OTLP exports) and appends them to the Redis
event stream."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from redis.asyncio import Redis

from tracker_contracts import GatewayIdentityGuard

from .answers import ANSWERED, answer
from .batch import batch
from .fast_path import WebhookFastPath
from .group_commit import GroupCommit
from .invalid import invalid_request
from .otlp.routes import otlp
from .publisher import EventPublisher
from .routes import health, webhooks
from .settings import IngestSettings, get_settings


def create_app(settings: IngestSettings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        redis = Redis.from_url(
            str(settings.redis_url),
            socket_timeout=settings.redis_timeout_seconds,
            socket_connect_timeout=settings.redis_timeout_seconds,
        )
        writer = GroupCommit(
            redis,
            settings.events_stream,
            max_stream_length=settings.stream_max_length,
            record_ttl_seconds=settings.idempotency_ttl_seconds,
            queue_limit=settings.write_queue_limit,
            timeout_seconds=settings.redis_timeout_seconds,
        )
        app.state.redis = redis
        app.state.settings = settings
        app.state.publisher = EventPublisher(writer, settings)
        try:
            yield
        finally:
            await writer.close()
            await redis.aclose()

    app = FastAPI(
        title="Agent Task Tracker — ingest",
        summary="Accepts webhooks from agents and appends them to the event stream.",
        version="0.1.0",
        lifespan=lifespan,
    )
    app.include_router(webhooks)
    app.include_router(batch)
    app.include_router(otlp)
    app.include_router(health)
    app.add_middleware(WebhookFastPath)
    app.add_middleware(
        GatewayIdentityGuard,
        protected=("/webhook/", "/v1/"),
        required=settings.require_gateway_identity,
    )
    app.exception_handler(RequestValidationError)(invalid_request)
    for refusal in ANSWERED:
        app.exception_handler(refusal)(answer)
    return app

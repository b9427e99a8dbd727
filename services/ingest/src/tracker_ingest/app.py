"""The ingest service: validates webhooks and appends them to the Redis event stream."""

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from redis.asyncio import Redis

from tracker_contracts import GatewayIdentityGuard

from .accepting import ProjectNotAllowed
from .batch import batch
from .group_commit import (
    EventStreamFull,
    EventStreamUnavailable,
    GroupCommit,
    RedisOutOfMemory,
    WriteQueueFull,
)
from .idempotency import IdempotencyMismatch
from .invalid import invalid_request
from .publisher import EventPublisher
from .routes import health, webhooks
from .settings import IngestSettings, get_settings

logger = logging.getLogger(__name__)


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
    app.include_router(health)
    app.add_middleware(
        GatewayIdentityGuard, protected=("/webhook/",), required=settings.require_gateway_identity
    )

    def retry_later(detail: str) -> JSONResponse:
        return JSONResponse(
            status_code=503,
            content={"detail": detail},
            headers={"Retry-After": str(settings.retry_after_seconds)},
        )

    @app.exception_handler(EventStreamUnavailable)
    async def stream_unavailable(request: Request, error: EventStreamUnavailable) -> JSONResponse:
        logger.warning("event stream unavailable: %s", error)
        return retry_later("Event stream unavailable; the event was not accepted. Retry later.")

    @app.exception_handler(EventStreamFull)
    async def stream_full(request: Request, error: EventStreamFull) -> JSONResponse:
        logger.warning("event stream full: shedding until the consumer catches up")
        return retry_later("Too many events are waiting to be applied; the event was not accepted.")

    @app.exception_handler(WriteQueueFull)
    async def queue_full(request: Request, error: WriteQueueFull) -> JSONResponse:
        logger.warning("write queue full: shedding until Redis catches up")
        return retry_later("Too many events are waiting to be written; nothing was accepted.")

    @app.exception_handler(RedisOutOfMemory)
    async def out_of_memory(request: Request, error: RedisOutOfMemory) -> JSONResponse:
        logger.warning("Redis is at maxmemory: refusing events until memory is freed")
        return retry_later(
            "Redis is out of memory (maxmemory reached); the event was not accepted. Retry later."
        )

    app.exception_handler(RequestValidationError)(invalid_request)

    @app.exception_handler(ProjectNotAllowed)
    async def project_not_allowed(request: Request, error: ProjectNotAllowed) -> JSONResponse:
        return JSONResponse(status_code=403, content={"detail": str(error)})

    @app.exception_handler(IdempotencyMismatch)
    async def reused_key(request: Request, error: IdempotencyMismatch) -> JSONResponse:
        return JSONResponse(
            status_code=422,
            content={
                "detail": [
                    {
                        "type": "idempotency_key_reused",
                        "loc": ["header", "Idempotency-Key"]
                        if "idempotency-key" in request.headers
                        else ["body", "event_id"],
                        "msg": "This idempotency key was already used with a different body.",
                    }
                ]
            },
        )

    return app

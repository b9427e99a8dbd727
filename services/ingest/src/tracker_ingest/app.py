"""The ingest service: validates webhooks and appends them to the Redis event stream."""

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from faststream.redis import RedisBroker

from .publisher import EventPublisher, EventStreamUnavailable
from .routes import health, webhooks
from .settings import IngestSettings, get_settings

logger = logging.getLogger(__name__)


def create_app(settings: IngestSettings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        broker = RedisBroker(
            str(settings.redis_url),
            socket_timeout=settings.redis_timeout_seconds,
            socket_connect_timeout=settings.redis_timeout_seconds,
        )
        await broker.connect()
        app.state.broker = broker
        app.state.publisher = EventPublisher(
            broker,
            stream=settings.events_stream,
            maxlen=settings.stream_maxlen,
            timeout=settings.redis_timeout_seconds,
        )
        try:
            yield
        finally:
            await broker.stop()

    app = FastAPI(
        title="Agent Task Tracker — ingest",
        summary="Accepts webhooks from agents and appends them to the event stream.",
        version="0.1.0",
        lifespan=lifespan,
    )
    app.include_router(webhooks)
    app.include_router(health)

    @app.exception_handler(EventStreamUnavailable)
    async def stream_unavailable(request: Request, error: EventStreamUnavailable) -> JSONResponse:
        logger.warning("event stream unavailable: %s", error)
        return JSONResponse(
            status_code=503,
            content={
                "detail": "Event stream unavailable; the event was not accepted. Retry later."
            },
            headers={"Retry-After": str(settings.retry_after_seconds)},
        )

    return app

"""The query service: owns PostgreSQL, applies stream events to it, serves the REST API."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from redis.asyncio import Redis

from tracker_contracts import GatewayIdentityGuard

from .api import (
    agents,
    dead_letters,
    health,
    housekeeping,
    project_summaries,
    projects,
    stats,
    tasks,
)
from .consumer import EventConsumer
from .db import (
    create_consumer_engine,
    create_engine,
    create_reading_engine,
    create_sessionmaker,
)
from .errors import AgentNotFound, DeadLetterNotFound, ProjectNotFound, TaskNotFound
from .settings import QuerySettings, get_settings
from .sweeps import Sweeper, announcer


def create_app(settings: QuerySettings | None = None, *, consume: bool = True) -> FastAPI:
    """Build the app; with `consume=False` it serves the API without reading the stream."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine, reading_engine = create_engine(settings), create_reading_engine(settings)
        consumer_engine = create_consumer_engine(settings)
        redis = Redis.from_url(str(settings.redis_url), socket_timeout=5.0)
        app.state.sessionmaker = create_sessionmaker(engine)
        app.state.reading_sessionmaker = create_sessionmaker(reading_engine)
        consumer = EventConsumer(settings, consumer_engine, redis)
        app.state.consumer, app.state.settings = consumer, settings
        sweeper = Sweeper(settings, app.state.sessionmaker, announcer(redis, settings))
        stop = asyncio.Event()
        background = (
            [asyncio.create_task(consumer.run()), asyncio.create_task(sweeper.run_until(stop))]
            if consume
            else []
        )
        try:
            yield
        finally:
            stop.set()
            await consumer.stop()
            await asyncio.gather(*background)
            await redis.aclose()
            await engine.dispose()
            await reading_engine.dispose()
            await consumer_engine.dispose()

    app = FastAPI(
        title="Agent Task Tracker — query",
        summary="Projects, tasks and statistics reported by agents.",
        version="0.1.0",
        lifespan=lifespan,
    )
    for module in (
        projects,
        housekeeping,
        agents,
        stats,
        project_summaries,
        dead_letters,
        health,
        tasks,
    ):
        app.include_router(module.router)
    app.add_middleware(
        GatewayIdentityGuard, protected=("/api/",), required=settings.require_gateway_identity
    )

    @app.exception_handler(ProjectNotFound)
    @app.exception_handler(TaskNotFound)
    @app.exception_handler(AgentNotFound)
    @app.exception_handler(DeadLetterNotFound)
    async def not_found(request: Request, error: Exception) -> JSONResponse:
        return JSONResponse(status_code=404, content={"detail": str(error)})

    return app

"""The query API: projects, tasks, statistics and dead letters, read from PostgreSQL.

It never reads the event stream: the worker (`tracker_query.worker`) applies events to the
database, so the API and the worker scale apart. The API holds two connection pools, one for
reads and one for changes; Redis only for the dead letters.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from redis.asyncio import Redis

from tracker_contracts import GatewayIdentityGuard

from .api import (
    agents,
    budgets,
    dead_letters,
    health,
    housekeeping,
    inbox,
    project_summaries,
    projects,
    stats,
    stats_page,
    tasks,
)
from .db import create_reading_engine, create_sessionmaker, create_writing_engine
from .dead_letters import DeadLetters
from .errors import AgentNotFound, DeadLetterNotFound, ProjectNotFound, TaskNotFound
from .settings import QuerySettings, get_settings


def create_app(settings: QuerySettings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine, reading_engine = create_writing_engine(settings), create_reading_engine(settings)
        redis = Redis.from_url(str(settings.redis_url), socket_timeout=5.0)
        app.state.sessionmaker = create_sessionmaker(engine)
        app.state.reading_sessionmaker = create_sessionmaker(reading_engine)
        app.state.dead_letters = DeadLetters(redis, settings.events_stream, settings.consumer_group)
        app.state.settings = settings
        try:
            yield
        finally:
            await redis.aclose()
            await engine.dispose()
            await reading_engine.dispose()

    app = FastAPI(
        title="Agent Task Tracker — query",
        summary="Projects, tasks and statistics reported by agents.",
        version="0.1.0",
        lifespan=lifespan,
    )
    for module in (
        projects,
        housekeeping,
        budgets,
        agents,
        stats,
        stats_page,
        project_summaries,
        dead_letters,
        health,
        tasks,
        inbox,
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

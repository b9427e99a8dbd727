"""The query service: owns PostgreSQL, applies stream events to it, serves the REST API."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from redis.asyncio import Redis

from .api import health, projects, stats
from .consumer import create_consumer, ensure_consumer_group
from .db import create_engine, create_sessionmaker
from .errors import ProjectNotFound
from .settings import QuerySettings, get_settings


def create_app(settings: QuerySettings | None = None, *, consume: bool = True) -> FastAPI:
    """Build the app; with `consume=False` it serves the API without reading the stream."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = create_engine(settings)
        app.state.sessionmaker = create_sessionmaker(engine)
        consumer = create_consumer(settings, app.state.sessionmaker)
        app.state.consumer = consumer
        try:
            if consume:
                async with Redis.from_url(str(settings.redis_url)) as redis:
                    await ensure_consumer_group(redis, settings)
                await consumer.start()
            yield
        finally:
            await consumer.stop()
            await engine.dispose()

    app = FastAPI(
        title="Agent Task Tracker — query",
        summary="Projects, tasks and statistics reported by agents.",
        version="0.1.0",
        lifespan=lifespan,
    )
    for module in (projects, stats, health):
        app.include_router(module.router)

    @app.exception_handler(ProjectNotFound)
    async def project_not_found(request: Request, error: ProjectNotFound) -> JSONResponse:
        return JSONResponse(status_code=404, content={"detail": str(error)})

    return app

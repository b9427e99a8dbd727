"""The query worker: applies the event stream to PostgreSQL and keeps stream and data tidy.

In one process: the consumer (`consumer.py`), which reads its share of the stream in the
consumer group and, every maintenance round, trims the entries every group has applied; the
sweeps (`sweeps.py`), which mark silent tasks stale and prune old history; and the budget watch
(`budget_watch.py`), which announces the budget thresholds projects cross. Any number of workers
may run: the group hands each entry to one of them, one worker sweeps per interval (whoever
claims the `sweep_leases` row), each crossing is announced by the worker that claims it, and
trimming only ever drops what every group has applied, whoever does it and however often. The
worker serves no API, only what it tells about itself (`worker_health.py`); the API is
`tracker_query.app`.

Its connections: the consumer's pool (`CONSUMER_POOL_SIZE`) and the sweeps' (`SWEEP_POOL_SIZE`).
"""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from redis.asyncio import Redis

from . import worker_health
from .budget_watch import BudgetWatch, budget_announcer
from .consumer import EventConsumer
from .db import create_consumer_engine, create_sessionmaker, create_sweep_engine
from .settings import QuerySettings, get_settings
from .sweeps import Sweeper, announcer


def create_app(settings: QuerySettings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        consumer_engine = create_consumer_engine(settings)
        sweep_engine = create_sweep_engine(settings)
        redis = Redis.from_url(str(settings.redis_url), socket_timeout=5.0)
        consumer = EventConsumer(settings, consumer_engine, redis)
        sweeps = create_sessionmaker(sweep_engine)
        sweeper = Sweeper(settings, sweeps, announcer(redis, settings))
        budgets = BudgetWatch(settings, sweeps, budget_announcer(redis, settings))
        stop = asyncio.Event()
        loops = [
            asyncio.create_task(consumer.run(), name="consume"),
            asyncio.create_task(sweeper.run_until(stop), name="sweep"),
            asyncio.create_task(budgets.run_until(stop), name="budgets"),
        ]
        app.state.worker = worker_health.Worker(settings, consumer, redis, sweeps, loops)
        try:
            yield
        finally:
            stop.set()
            await consumer.stop()
            await asyncio.gather(*loops, return_exceptions=True)
            await redis.aclose()
            await consumer_engine.dispose()
            await sweep_engine.dispose()

    app = FastAPI(
        title="Agent Task Tracker — query worker",
        summary="Applies the event stream to PostgreSQL; serves its own health only.",
        version="0.1.0",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    app.include_router(worker_health.router)
    return app

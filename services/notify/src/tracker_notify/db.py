"""The PostgreSQL pool of a notify process and the readiness checks of its servers."""

import asyncio

from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from .settings import NotifySettings

CHECK_TIMEOUT_SECONDS = 2.0
"""A server that does not answer a readiness check within this is reported unreachable."""


def create_engine(settings: NotifySettings) -> AsyncEngine:
    return create_async_engine(
        settings.database_url, pool_size=settings.pool_size, max_overflow=0, pool_pre_ping=True
    )


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


async def database_answers(sessions: async_sessionmaker[AsyncSession]) -> bool:
    try:
        async with asyncio.timeout(CHECK_TIMEOUT_SECONDS), sessions() as session:
            await session.execute(text("SELECT 1"))
    except Exception:
        return False
    return True


async def redis_answers(redis: Redis) -> bool:
    try:
        async with asyncio.timeout(CHECK_TIMEOUT_SECONDS):
            await redis.ping()
    except Exception:
        return False
    return True

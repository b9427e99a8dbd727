"""The PostgreSQL connection pools, each for one use, so that no use can take another's
connections. The API opens the reading and the writing pool, the worker the consumer's and the
sweeps' pool; the sizes are settings (`QuerySettings`), so each process's connections are
bounded: an API process at most 15 by default, a worker 4."""

import asyncio

from sqlalchemy import event, text
from sqlalchemy.engine import ExceptionContext
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from .settings import QuerySettings
from .transient import is_read_only

CONSUMER_POOL_SIZE = 2
"""The consumer holds at most one connection for new batches and one for entries it takes
over."""


def create_writing_engine(settings: QuerySettings) -> AsyncEngine:
    """For the API's changes."""
    return _renewing_read_only_sessions(
        create_async_engine(
            settings.database_url,
            pool_size=settings.api_write_pool_size,
            max_overflow=settings.api_write_pool_overflow,
            pool_pre_ping=True,
        )
    )


def create_sweep_engine(settings: QuerySettings) -> AsyncEngine:
    """For the worker's sweeps, one transaction at a time, and its readiness check."""
    return _renewing_read_only_sessions(
        create_async_engine(
            settings.database_url,
            pool_size=settings.sweep_pool_size,
            max_overflow=0,
            pool_pre_ping=True,
        )
    )


def _renewing_read_only_sessions(engine: AsyncEngine) -> AsyncEngine:
    """Treat a read-only refusal like a lost connection, so the pool opens new sessions.

    A session takes `default_transaction_read_only` when it opens and keeps it: after a database
    turned read-only (a failover) is writable again, pooled sessions would go on refusing writes,
    and the pre-ping cannot tell.
    """

    @event.listens_for(engine.sync_engine, "handle_error")
    def renew(context: ExceptionContext) -> None:
        if is_read_only(context.original_exception):
            context.is_disconnect = True

    return engine


def create_consumer_engine(settings: QuerySettings) -> AsyncEngine:
    """For applying events, with a pool of its own: the sweeps and the readiness checks (many
    `/ready` calls while the database hangs) can then never take the connections events need."""
    return create_async_engine(
        settings.database_url, pool_size=CONSUMER_POOL_SIZE, max_overflow=0, pool_pre_ping=True
    )


def create_reading_engine(settings: QuerySettings) -> AsyncEngine:
    """For the API's reads, with a pool of their own.

    In autocommit, so that a request costs no BEGIN and ROLLBACK round trips and the pre-ping
    one round trip instead of three: each statement sees its own snapshot, and nothing written
    through this engine is atomic. Every execution is planned for its values: a prepared
    statement may otherwise switch to a generic plan, which cannot tell a rare filter value from
    a common one (a title search read every matching task of the project to sort them).
    """
    return create_async_engine(
        settings.database_url,
        pool_size=settings.api_read_pool_size,
        max_overflow=settings.api_read_pool_overflow,
        pool_pre_ping=True,
        isolation_level="AUTOCOMMIT",
        connect_args={"server_settings": {"plan_cache_mode": "force_custom_plan"}},
    )


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


CHECK_TIMEOUT_SECONDS = 2.0
"""A database (or Redis) that does not answer a health check within this is reported
unreachable, not waited for."""


async def database_answers(session: AsyncSession) -> bool:
    """Whether the database answers `SELECT 1` on this session within `CHECK_TIMEOUT_SECONDS`
    (waiting for a pooled connection included)."""
    try:
        async with asyncio.timeout(CHECK_TIMEOUT_SECONDS):
            await session.execute(text("SELECT 1"))
    except Exception:
        return False
    return True

from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from .settings import QuerySettings

# The consumer holds at most one connection for new batches and one for entries it takes over.
CONSUMER_POOL_SIZE = 2


def create_engine(settings: QuerySettings) -> AsyncEngine:
    """For the API's changes, its checks and the sweeps."""
    return create_async_engine(
        settings.database_url,
        pool_size=settings.database_pool_size,
        pool_pre_ping=True,
    )


def create_consumer_engine(settings: QuerySettings) -> AsyncEngine:
    """For applying events, with a pool of its own: requests waiting for the database (many
    `/db-check` calls while it hangs) can then never take the connections events need."""
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
        pool_size=settings.database_pool_size,
        pool_pre_ping=True,
        isolation_level="AUTOCOMMIT",
        connect_args={"server_settings": {"plan_cache_mode": "force_custom_plan"}},
    )


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)

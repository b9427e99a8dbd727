"""The engines' sessions follow the database's state: a session opened while it was read-only
is not kept once it is writable again."""

import asyncpg
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from tracker_localstack.databases import plain_dsn
from tracker_query.db import create_sweep_engine, create_writing_engine
from tracker_query.settings import QuerySettings

# The engines that write outside the consumer, each with one pooled connection.
ENGINES = {
    "API changes": (
        create_writing_engine,
        {"api_write_pool_size": 1, "api_write_pool_overflow": 0},
    ),
    "sweeps": (create_sweep_engine, {"sweep_pool_size": 1}),
}


@pytest.mark.parametrize("engine_for", sorted(ENGINES))
async def test_a_session_opened_while_read_only_is_renewed_after(
    empty_database_url: str, redis_url: str, engine_for: str
) -> None:
    create, pool = ENGINES[engine_for]
    settings = QuerySettings(database_url=empty_database_url, redis_url=redis_url, **pool)
    engine = create(settings)
    admin = await asyncpg.connect(plain_dsn(empty_database_url))
    database = await admin.fetchval("SELECT current_database()")
    write = text("CREATE TEMPORARY TABLE written (x int)")
    try:
        await admin.execute(f'ALTER DATABASE "{database}" SET default_transaction_read_only = on')
        async with engine.connect() as connection:  # pooled, and read-only for its whole life
            assert (await connection.scalar(text("SHOW transaction_read_only"))) == "on"
        await admin.execute(f'ALTER DATABASE "{database}" RESET default_transaction_read_only')

        with pytest.raises(DBAPIError):
            async with engine.begin() as connection:
                await connection.execute(write)
        async with engine.begin() as connection:
            await connection.execute(write)
            assert (await connection.scalar(text("SHOW transaction_read_only"))) == "off"
    finally:
        await admin.execute(f'ALTER DATABASE "{database}" RESET default_transaction_read_only')
        await admin.close()
        await engine.dispose()

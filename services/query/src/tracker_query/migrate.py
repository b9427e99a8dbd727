"""Brings the database schema to the newest Alembic revision: `python -m tracker_query.migrate`.

Replicas may start together, so the upgrade runs under a PostgreSQL advisory lock
(Alembic itself takes none).
"""

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, text
from sqlalchemy.ext.asyncio import create_async_engine

from .settings import get_settings

_MIGRATION_LOCK = 0x7472_6163_6B72  # any constant shared by every replica
MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


async def _upgrade(database_url: str) -> None:
    engine = create_async_engine(database_url)
    try:
        async with engine.begin() as connection:
            await connection.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK}
            )
            await connection.run_sync(lambda sync: command.upgrade(alembic_config(sync), "head"))
    finally:
        await engine.dispose()


def upgrade_to_head(database_url: str) -> None:
    asyncio.run(_upgrade(database_url))


if __name__ == "__main__":
    upgrade_to_head(get_settings().database_url)

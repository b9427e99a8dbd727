"""Statements sent straight to a test database, outside the services' pools: to set up rows or
move time in ways no API offers."""

import asyncpg

from tracker_localstack.databases import plain_dsn


async def execute(database_url: str, statement: str) -> None:
    """Run `statement` (one or several, `;`-separated) on its own connection."""
    connection = await asyncpg.connect(plain_dsn(database_url))
    try:
        await connection.execute(statement)
    finally:
        await connection.close()

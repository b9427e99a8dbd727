"""Creating and dropping databases on a server given by a SQLAlchemy-style URL."""

import asyncio

import asyncpg
from sqlalchemy.engine import make_url


def plain_dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def with_database(url: str, database: str) -> str:
    """The same server URL pointing at another database."""
    return make_url(url).set(database=database).render_as_string(hide_password=False)


async def _ensure(admin_url: str, name: str) -> None:
    connection = await asyncpg.connect(plain_dsn(admin_url))
    try:
        exists = await connection.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if not exists:
            await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()


async def _drop(admin_url: str, name: str) -> None:
    connection = await asyncpg.connect(plain_dsn(admin_url))
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()


def ensure_database(admin_url: str, name: str) -> str:
    """Create database `name` unless it exists; return its URL."""
    asyncio.run(_ensure(admin_url, name))
    return with_database(admin_url, name)


def drop_database(admin_url: str, name: str) -> None:
    asyncio.run(_drop(admin_url, name))


def as_asyncpg_url(url: str) -> str:
    """Accept `postgresql://` or `postgres://` URLs too; the services speak asyncpg."""
    parsed = make_url(url.replace("postgres://", "postgresql://", 1))
    return parsed.set(drivername="postgresql+asyncpg").render_as_string(hide_password=False)

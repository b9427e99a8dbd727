"""Brings the schema `notify` to the newest Alembic revision: `python -m tracker_notify.migrate`.

Replicas may start together, so the upgrade runs under a PostgreSQL advisory lock
(Alembic itself takes none).

`python -m tracker_notify.migrate --wait SECONDS` changes nothing: it waits until the schema is
the newest this code knows, or newer (a revision it does not know: a later release migrated,
and this one runs on its schema, as after a rollback), then exits 0; after SECONDS it says
which revision it found and exits 1. Where one step migrates for a whole release (a Kubernetes
Job), the release's notify processes start only after it has.
"""

import argparse
import asyncio
import sys
import time
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, text
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import create_async_engine

from .models import SCHEMA
from .settings import get_settings

_MIGRATION_LOCK = 0x6E6F_7469_6679  # any constant shared by every replica
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


def newest_revisions() -> set[str]:
    return set(ScriptDirectory.from_config(alembic_config()).get_heads())


def known_revisions() -> set[str]:
    scripts = ScriptDirectory.from_config(alembic_config())
    return {script.revision for script in scripts.walk_revisions()}


async def current_revisions(database_url: str) -> set[str]:
    """The revisions the database is at: empty before the first migration."""
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as connection:
            heads = await connection.run_sync(
                lambda sync: MigrationContext.configure(
                    sync, opts={"version_table_schema": SCHEMA}
                ).get_current_heads()
            )
    finally:
        await engine.dispose()
    return set(heads)


def wait_for_newest(database_url: str, seconds: float, poll_seconds: float = 2.0) -> str | None:
    """None once the schema is the newest; otherwise, after `seconds`, what stands in the way."""
    deadline = time.monotonic() + seconds
    newest, known = newest_revisions(), known_revisions()
    while True:
        try:
            current = asyncio.run(current_revisions(database_url))
        except (OperationalError, DBAPIError, OSError) as unreachable:
            found = f"no answer from the database ({type(unreachable).__name__})"
        else:
            if current == newest or (current and not current & known):
                return None
            found = f"revision {', '.join(sorted(current)) or 'none'}"
        if time.monotonic() >= deadline:
            return f"the schema is not at {', '.join(sorted(newest))} yet: {found}"
        time.sleep(poll_seconds)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tracker_notify.migrate", description=__doc__)
    parser.add_argument(
        "--wait",
        type=float,
        metavar="SECONDS",
        help="migrate nothing; wait up to SECONDS for the schema to be the newest",
    )
    arguments = parser.parse_args(argv)
    database_url = get_settings().database_url
    if arguments.wait is None:
        upgrade_to_head(database_url)
        return 0
    if (waiting := wait_for_newest(database_url, arguments.wait)) is not None:
        print(waiting, file=sys.stderr)
        return 1
    print("the database schema is up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())

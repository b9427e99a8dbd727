"""Fixtures shared by every test: real PostgreSQL and Redis servers.

Embedded servers are started for the run unless TEST_DATABASE_URL / TEST_REDIS_URL point at
existing ones. Every run works in a database of its own, and every test in streams of its own.
"""

import os
import uuid
from collections.abc import Iterator

import pytest

from tracker_localstack.databases import as_asyncpg_url, drop_database, ensure_database
from tracker_localstack.ports import free_port
from tracker_localstack.postgres import EmbeddedPostgres
from tracker_localstack.redis import EmbeddedRedis
from tracker_query.migrate import upgrade_to_head


@pytest.fixture(scope="session")
def postgres_admin_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if url := os.environ.get("TEST_DATABASE_URL"):
        yield as_asyncpg_url(url)
        return
    server = EmbeddedPostgres(tmp_path_factory.mktemp("postgres"), free_port()).start()
    try:
        yield server.admin_url()
    finally:
        server.stop()


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if url := os.environ.get("TEST_REDIS_URL"):
        yield url
        return
    server = EmbeddedRedis(tmp_path_factory.mktemp("redis"), free_port()).start()
    try:
        yield server.url
    finally:
        server.stop()


def _migrated_database(admin_url: str) -> Iterator[str]:
    name = f"tracker_test_{uuid.uuid4().hex[:12]}"
    url = ensure_database(admin_url, name)
    upgrade_to_head(url)
    try:
        yield url
    finally:
        drop_database(admin_url, name)


@pytest.fixture(scope="session")
def database_url(postgres_admin_url: str) -> Iterator[str]:
    """A migrated database for this run; tests keep apart by using projects of their own."""
    yield from _migrated_database(postgres_admin_url)


@pytest.fixture
def empty_database_url(postgres_admin_url: str) -> Iterator[str]:
    """A migrated database of this test's own, for assertions over whole-database totals."""
    yield from _migrated_database(postgres_admin_url)


@pytest.fixture
def events_stream() -> str:
    return f"test:{uuid.uuid4().hex}:events"


@pytest.fixture
def project() -> str:
    """A project name no other test uses."""
    return f"project-{uuid.uuid4().hex[:10]}"


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """The delivery ledgers of the fault tests, so every run shows what was proven."""
    from tests.faults.ledger import SUMMARIES

    if SUMMARIES:
        terminalreporter.section("delivery ledgers")
        for summary in SUMMARIES:
            terminalreporter.write_line(summary)

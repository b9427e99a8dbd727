"""Fixtures shared by every test: real PostgreSQL and Redis servers.

Embedded servers are started for the run unless TEST_DATABASE_URL / TEST_REDIS_URL point at
existing ones. Every run works in a database of its own, and every test in streams of its own.
"""

import os
import uuid
from collections.abc import Generator, Iterator

import pytest
from _pytest.nodeid import NodeId

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


_SCOPES = ("session", "package", "module", "class")


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests that share a system wider than one test (the e2e stack, a module's `make run`)
    run in one xdist group, so that with `--dist=loadgroup` it starts once, not once per worker.

    Such a system is a fixture wider than a test defined beside the tests; the ones above
    (the servers of this file) and those of plugins are cheap, and each worker has its own.
    The group is named after the widest such fixture the test needs that needs no other one
    (tests of the stack's OpenAPI schema join the stack's group). A test marked `xdist_group`
    keeps its own group.
    """
    for item in items:
        if item.get_closest_marker("xdist_group") is None and (group := _shared_system(item)):
            item.add_marker(pytest.mark.xdist_group(group))
    if getattr(config.option, "loadgroup", False):  # an xdist worker, `--dist=loadgroup`
        _name_the_groups(items)


def _name_the_groups(items: list[pytest.Item]) -> None:
    """End each grouped test's id with `@group`, where xdist's scheduler reads the group.

    pytest-xdist 3.8 does this by writing `item._nodeid`, which pytest 9.2 no longer reads (the
    id is now `item._id`): without this, every group would be spread over the workers. A test
    whose id already ends with its group (a fixed xdist) is left as it is.
    """
    for item in items:
        names = {
            str(mark.args[0] if mark.args else mark.kwargs.get("name", "default"))
            for mark in item.iter_markers("xdist_group")
        }
        nodeid = item.nodeid
        if names and nodeid.rfind("@") <= nodeid.rfind("]"):
            item._id = NodeId.parse(f"{nodeid}@{'_'.join(sorted(names))}")


def _shared_system(item: pytest.Item) -> str | None:
    fixtures = getattr(item, "_fixtureinfo", None)
    if fixtures is None:
        return None
    shared = {
        name: definitions[-1]
        for name, definitions in fixtures.name2fixturedefs.items()
        if definitions and definitions[-1].scope in _SCOPES and definitions[-1].baseid
    }
    roots = [
        (_SCOPES.index(definition.scope), name)
        for name, definition in shared.items()
        if not set(definition.argnames) & set(shared)
    ]
    if not roots:
        return None
    _, name = min(roots)
    if shared[name].scope == "session":
        return name
    return item.nodeid.split("::")[0]  # an instance per module (or class): its module


LEDGER_PROPERTY = "delivery ledger"
LEDGER_LINES: list[str] = []
"""The delivery ledgers of the run's fault tests, as their reports brought them: from this
process or from any xdist worker."""


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport() -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """A test's ledger summaries ride on its report, which xdist sends on to the controller."""
    from tests.faults.ledger import SUMMARIES

    report = yield
    report.user_properties.extend((LEDGER_PROPERTY, summary) for summary in SUMMARIES)
    SUMMARIES.clear()
    return report


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    LEDGER_LINES.extend(value for name, value in report.user_properties if name == LEDGER_PROPERTY)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """The delivery ledgers of the fault tests, so every run shows what was proven."""
    if LEDGER_LINES:
        terminalreporter.section("delivery ledgers")
        for summary in LEDGER_LINES:
            terminalreporter.write_line(summary)

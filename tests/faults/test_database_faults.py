"""The database fails in ways no event causes: nothing accepted is set aside, all is applied.

Each scenario sends webhooks before, during and after a fault of the database (read-only as
after a failover, a table or column renamed as in a rolling deploy, a permission revoked, a lock
held past `lock_timeout`, the server frozen while the API's `/db-check` and the worker's
`/ready` are hammered), holds the fault for several times the idle time after which entries are
taken over, restores the database, and checks the ledger (see ledger.py) and that the dead
letters stayed empty. The summaries are printed.
"""

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import asyncpg
import httpx

from tests.waiting import eventually
from tracker_localstack.databases import plain_dsn
from tracker_localstack.processes import Service

from .conftest import STREAM, System
from .ledger import Ledger, burst, check, new_project, settle

HOLD_SECONDS = 10.0
"""How long each fault lasts: ten times CLAIM_IDLE_MS, so entries are taken over again and
again meanwhile."""

QUERY_ENV = {"CLAIM_IDLE_MS": "1000"}

Step = Callable[[], Awaitable[None]]


@dataclass(frozen=True)
class Query:
    api: Service
    worker: Service


def start_query(system: System, **env: str) -> Query:
    """The query worker, which applies events, and the API, which reports the dead letters."""
    worker = system.start_worker("query-worker", **QUERY_ENV, **env)
    return Query(system.start("tracker_query", "query", **QUERY_ENV, **env), worker)


async def through_fault(
    ingest: Service, worker: Service, fault: Step, restore: Step, *, during: Step | None = None
) -> tuple[Ledger, list[dict[str, Any]]]:
    """Webhooks before, during and after the fault; the query worker's /health and /ready
    answers while it lasts."""
    project = new_project()
    ledger = await burst(ingest.url, 100, project=project)
    await fault()
    ledger.outcomes |= (await burst(ingest.url, 200, project=project)).outcomes
    reports: list[dict[str, Any]] = []

    async def watch() -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + HOLD_SECONDS
        async with httpx.AsyncClient(base_url=worker.url, timeout=5) as client:
            while loop.time() < deadline:
                health, ready = await asyncio.gather(client.get("/health"), client.get("/ready"))
                reports.append({**health.json(), "ready": ready.status_code})
                await asyncio.sleep(0.5)

    await asyncio.gather(watch(), *([during()] if during else []))
    await restore()
    ledger.outcomes |= (await burst(ingest.url, 100, project=project)).outcomes
    return ledger, reports


def verify(system: System, query: Query, ledger: Ledger, scenario: str) -> None:
    applied = asyncio.run(settle(system.database_url, system.redis.url, STREAM, ledger))
    summary = check(ledger, applied, scenario)
    print(summary)
    assert ledger.count("ok") == len(ledger.outcomes), summary
    letters = httpx.get(f"{query.api.url}/api/dead-letters").json()
    assert letters["total"] == 0, letters["entries"][:3]
    eventually(lambda: httpx.get(f"{query.worker.url}/ready").status_code == 200)


def waited(reports: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The reports that said the consumer waits for the database."""
    return [r for r in reports if r["consumer"] == "waiting" and r["waiting"]["reason"]]


def test_a_read_only_database_is_waited_out_and_reported(system: System) -> None:
    ingest = system.start("tracker_ingest", "ingest")
    query = start_query(system)
    # What a failover to a replica looks like: writes refused, sessions dropped.
    drop_sessions = (
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        "WHERE datname = 'tracker' AND pid <> pg_backend_pid()"
    )

    async def fault() -> None:
        await system.admin(
            "ALTER DATABASE tracker SET default_transaction_read_only = on",
            drop_sessions,
            database="postgres",
        )

    async def restore() -> None:
        # Sessions opened while read-only stay so: the consumer must not rely on a reconnect.
        await system.admin(
            "ALTER DATABASE tracker SET default_transaction_read_only = off", database="postgres"
        )

    ledger, reports = asyncio.run(through_fault(ingest, query.worker, fault, restore))
    waiting = waited(reports)
    assert waiting, reports
    assert "read-only" in waiting[-1]["waiting"]["reason"]
    assert all(r["status"] == "ok" for r in reports)  # alive: the liveness probe keeps it
    assert all(r["ready"] == 503 for r in waiting)
    verify(system, query, ledger, "database read-only for 10 s, sessions dropped")


def test_a_schema_mismatch_during_a_deploy_is_waited_out(system: System) -> None:
    ingest = system.start("tracker_ingest", "ingest")
    query = start_query(system)
    # As while a deploy renames a column the running version still writes.
    rename = "ALTER TABLE tasks RENAME COLUMN message TO status_message"
    restore = "ALTER TABLE tasks RENAME COLUMN status_message TO message"

    ledger, reports = asyncio.run(
        through_fault(
            ingest, query.worker, lambda: system.admin(rename), lambda: system.admin(restore)
        )
    )
    reason = waited(reports)[-1]["waiting"]["reason"]
    assert "message" in reason
    assert "does not exist" in reason
    verify(system, query, ledger, "a column the consumer writes renamed for 10 s")


def test_a_revoked_permission_is_waited_out(system: System) -> None:
    asyncio.run(
        system.admin(
            "CREATE ROLE tracker_writer LOGIN",
            "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO tracker_writer",
            "GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO tracker_writer",
        )
    )
    writer_url = system.database_url.replace("postgres@", "tracker_writer@", 1)
    ingest = system.start("tracker_ingest", "ingest")
    query = start_query(system, DATABASE_URL=writer_url)

    ledger, reports = asyncio.run(
        through_fault(
            ingest,
            query.worker,
            lambda: system.admin("REVOKE INSERT ON task_events FROM tracker_writer"),
            lambda: system.admin("GRANT INSERT ON task_events TO tracker_writer"),
        )
    )
    assert "permission denied" in waited(reports)[-1]["waiting"]["reason"]
    verify(system, query, ledger, "INSERT on the history revoked for 10 s")


def test_a_lock_held_past_the_lock_timeout_is_waited_out(system: System) -> None:
    asyncio.run(system.admin("ALTER DATABASE tracker SET lock_timeout = '100ms'"))
    ingest = system.start("tracker_ingest", "ingest")
    query = start_query(system)
    holder: list[asyncpg.Connection] = []

    async def lock() -> None:
        connection = await asyncpg.connect(plain_dsn(system.database_url))
        await connection.execute("SET lock_timeout = 0")
        await connection.execute("BEGIN")
        await connection.execute("LOCK TABLE task_events IN ACCESS EXCLUSIVE MODE")
        holder.append(connection)

    async def unlock() -> None:
        await holder[0].execute("ROLLBACK")
        await holder[0].close()

    ledger, reports = asyncio.run(through_fault(ingest, query.worker, lock, unlock))
    assert "lock" in waited(reports)[-1]["waiting"]["reason"]
    verify(system, query, ledger, "history locked past lock_timeout for 10 s")


def test_a_frozen_database_while_health_checks_are_hammered_fails_no_event(
    system: System,
) -> None:
    ingest = system.start("tracker_ingest", "ingest")
    query = start_query(system)
    answers: dict[str, list[int]] = {"/db-check": [], "/ready": []}

    async def freeze() -> None:
        system.freeze_postgres(True)

    async def thaw() -> None:
        system.freeze_postgres(False)

    async def hammer() -> None:
        # Far more concurrent checks than any pool has connections, for as long as it is frozen:
        # the API's, and the worker's, which shares the sweeps' pool (never the consumer's).
        loop = asyncio.get_running_loop()
        deadline = loop.time() + HOLD_SECONDS

        async def one_client(client: httpx.AsyncClient, path: str) -> None:
            while loop.time() < deadline:
                try:
                    answers[path].append((await client.get(path)).status_code)
                except httpx.HTTPError:
                    answers[path].append(0)

        async with (
            httpx.AsyncClient(base_url=query.api.url, timeout=10) as api,
            httpx.AsyncClient(base_url=query.worker.url, timeout=10) as worker,
        ):
            await asyncio.gather(
                *(one_client(api, "/db-check") for _ in range(32)),
                *(one_client(worker, "/ready") for _ in range(16)),
            )

    try:
        ledger, _ = asyncio.run(through_fault(ingest, query.worker, freeze, thaw, during=hammer))
    finally:
        system.freeze_postgres(False)
    for path, seen in answers.items():
        print(f"{path} answers while frozen: {sorted(set(seen))}, {len(seen)} calls")
        assert 503 in seen, path
    verify(system, query, ledger, "PostgreSQL frozen for 10 s, health checks hammered meanwhile")
    # The checks cut short left no connection behind: the API answers again.
    eventually(lambda: httpx.get(f"{query.api.url}/db-check").status_code == 200)
    assert httpx.get(f"{query.api.url}/api/stats").status_code == 200

"""Nothing lost, nothing doubled: bursts of webhooks while parts of the system fail.

Every scenario sends a burst straight to the ingest process, breaks something on the way, lets
the system recover, and checks the ledger (see ledger.py). The summaries are printed.
"""

import asyncio
import os
import signal
import time

import asyncpg
import httpx
import pytest
from websockets.sync.client import connect

from tests.waiting import eventually
from tracker_localstack.databases import plain_dsn

from .conftest import STREAM, System
from .ledger import Ledger, applied_event_ids, burst, check, new_project, settle


def verify(system: System, ledger: Ledger, scenario: str) -> None:
    applied = asyncio.run(settle(system.database_url, system.redis.url, STREAM, ledger))
    check(ledger, applied, scenario)


# Three restarts of the worker, each importing the service anew, and 10,000 events to apply
# afterwards: on 2 cores this takes 90-120 s alone, and several times that beside other tests.
@pytest.mark.timeout(600)
def test_consumer_killed_again_and_again_during_a_burst(system: System) -> None:
    ingest = system.start("tracker_ingest", "ingest")
    worker = system.start_worker("query-worker")

    async def crash_three_times() -> None:
        for _ in range(3):
            await asyncio.to_thread(worker.kill)
            await asyncio.to_thread(worker.start)
            await asyncio.sleep(1.5)

    ledger = asyncio.run(burst(ingest.url, 10_000, fault=crash_three_times, fault_after=1500))
    verify(system, ledger, "kill -9 consumer 3x during a 10k burst")


def test_consumer_killed_before_its_commit(system: System) -> None:
    ingest = system.start("tracker_ingest", "ingest")
    worker = system.start_worker("query-worker")

    async def crash_inside_transaction() -> None:
        # Hold the history table: the consumer's transaction blocks before it can commit.
        blocker = await asyncpg.connect(plain_dsn(system.database_url))
        transaction = blocker.transaction()
        await transaction.start()
        await blocker.execute("LOCK TABLE task_events IN ACCESS EXCLUSIVE MODE")
        waiting = "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
        for _ in range(200):
            if await blocker.fetchval(waiting):
                break
            await asyncio.sleep(0.05)
        blocked = await blocker.fetchval(waiting)
        await asyncio.to_thread(worker.kill)
        await transaction.rollback()
        await blocker.close()
        assert blocked, "the consumer never waited inside its transaction"
        await asyncio.to_thread(worker.start)

    ledger = asyncio.run(burst(ingest.url, 4000, fault=crash_inside_transaction, fault_after=1000))
    verify(system, ledger, "kill -9 consumer inside its transaction, before commit")


def test_consumer_killed_after_its_commit_before_its_ack(system: System) -> None:
    ingest = system.start("tracker_ingest", "ingest")
    # Reading batch after batch without a pause keeps one in flight when Redis freezes.
    worker = system.start_worker("query-worker", APPLY_LINGER_MS="0")
    project = new_project()
    committed_while_frozen = 0

    async def applied() -> int:
        return sum((await applied_event_ids(system.database_url, project)).values())

    async def crash_between_commit_and_ack() -> None:
        nonlocal committed_while_frozen
        assert system.redis.pid is not None
        # With Redis frozen, a batch being applied still commits but cannot be acknowledged.
        before = await applied()
        os.kill(system.redis.pid, signal.SIGSTOP)
        try:
            await asyncio.sleep(1.5)
            committed_while_frozen = await applied() - before
            await asyncio.to_thread(worker.kill)
        finally:
            os.kill(system.redis.pid, signal.SIGCONT)
        await asyncio.to_thread(worker.start)

    ledger = asyncio.run(
        burst(
            ingest.url, 4000, project=project, fault=crash_between_commit_and_ack, fault_after=1000
        )
    )
    print(f"events committed but not acknowledged when the consumer died: {committed_while_frozen}")
    assert committed_while_frozen > 0
    verify(system, ledger, "kill -9 consumer after commit, before ack")


def test_a_frozen_consumer_is_taken_over_by_another(system: System) -> None:
    ingest = system.start("tracker_ingest", "ingest")
    frozen = system.start_worker("query-worker-1")
    system.start_worker("query-worker-2")

    async def freeze_past_the_idle_time() -> None:
        await asyncio.to_thread(frozen.freeze)
        await asyncio.sleep(6)  # three times CLAIM_IDLE_MS
        await asyncio.to_thread(frozen.thaw)

    ledger = asyncio.run(burst(ingest.url, 4000, fault=freeze_past_the_idle_time, fault_after=800))
    verify(system, ledger, "SIGSTOP one of two consumers past the idle time, then SIGCONT")


def test_redis_killed_and_restarted_during_a_burst(system: System) -> None:
    ingest = system.start("tracker_ingest", "ingest")
    system.start_worker("query-worker")

    async def restart_redis() -> None:
        assert system.redis.pid is not None
        os.kill(system.redis.pid, signal.SIGKILL)
        await asyncio.sleep(1)
        await asyncio.to_thread(system.redis.start)

    ledger = asyncio.run(burst(ingest.url, 4000, fault=restart_redis, fault_after=1000))
    verify(system, ledger, "kill -9 Redis and restart it during a burst")


def test_postgres_away_for_ten_seconds_during_a_burst(system: System) -> None:
    ingest = system.start("tracker_ingest", "ingest")
    system.start_worker("query-worker")

    async def stop_postgres() -> None:
        await asyncio.to_thread(system.postgres.stop)
        await asyncio.sleep(10)
        await asyncio.to_thread(system.postgres.start)

    ledger = asyncio.run(burst(ingest.url, 4000, fault=stop_postgres, fault_after=500))
    verify(system, ledger, "PostgreSQL stopped for 10 s during a burst")


def test_a_dead_realtime_replica_leaves_the_connection_counts(system: System) -> None:
    survivor = system.start("tracker_realtime", "realtime-1")
    doomed = system.start("tracker_realtime", "realtime-2")

    def counts() -> dict:
        return httpx.get(f"{survivor.url}/api/websocket/stats").json()

    ws = lambda service: connect(f"{service.url.replace('http', 'ws')}/webhook/ws?project=p")  # noqa: E731
    with ws(survivor), ws(doomed):
        eventually(lambda: counts() == {"total_connections": 2, "project_connections": {"p": 2}})
        doomed.kill()
        started = time.monotonic()
        eventually(
            lambda: counts() == {"total_connections": 1, "project_connections": {"p": 1}},
            within=10,
        )
        print(
            f"a dead replica's connections left the counts after {time.monotonic() - started:.1f}s"
        )

"""Two replicas of every service behind the real Traefik, as `make run` runs them; one replica
of each kind killed (SIGKILL) in the middle of a burst of webhooks.

While dashboards follow the project's live feed and read the API through the gateway, the
second replica of ingest, then of the query API, of the query worker and of realtime is killed,
each once `/health` has shown the one before dead. Then: every webhook answered `202` is
applied exactly once (the ledger, see ledger.py); no request sent after a replica died is
answered `502` (Traefik sends a request whose connection was refused to another replica); every
dashboard received every accepted event exactly once, reconnecting with `since=` when its
replica died; `/api/websocket/stats` counts every dashboard once; and every killed replica is
back (`/health` says `ok` for each), started again by `make run`'s supervisor.
"""

import asyncio
import re
import time
from collections.abc import Iterator
from contextlib import suppress
from pathlib import Path
from typing import Any

import httpx
import psutil
import pytest
from redis import Redis

from tests.e2e.stack import Stack, running_stack
from tests.factories import body
from tests.waiting import eventually, eventually_async
from tracker_contracts import EventKind

from .follower import Follower
from .ledger import OK, SUMMARIES, UNKNOWN, Ledger, burst, check, new_project, settle

KINDS = ("ingest", "query", "query-worker", "realtime")
"""The services with replicas, as `make run` names them, in the order one of each is killed."""
REPLICAS = 2
FOLLOWERS = 6
BAD_GATEWAY = 502


@pytest.fixture
def replicated(postgres_admin_url: str, redis_url: str, tmp_path: Path) -> Iterator[Stack]:
    with running_stack(
        postgres_admin_url,
        redis_url,
        tmp_path,
        **{f"{kind.upper().replace('-', '_')}_REPLICAS": str(REPLICAS) for kind in KINDS},
        CLAIM_IDLE_MS="2000",  # a dead consumer's entries are taken over soon
        CONNECTION_REPORT_SECONDS="1",  # a dead realtime replica's counts expire within 3 s
        RATE_LIMIT_AVERAGE="100000",
        RATE_LIMIT_BURST="100000",
    ) as stack:
        yield stack


@pytest.mark.timeout(900)
def test_one_replica_of_each_kind_killed_mid_burst(replicated: Stack) -> None:
    stack = replicated
    project = new_project()
    followers = [
        Follower(stack.ws_url, stack.keys["dashboard"], project, since=_stream_position(stack))
        for _ in range(FOLLOWERS)
    ]
    for follower in followers:
        follower.start()
        assert follower.connected.wait(timeout=30)
    died_at: dict[str, float] = {}
    reported_dead: dict[str, dict[str, Any]] = {}

    async def kill_one_replica_of_each_kind() -> None:
        for kind in KINDS:
            died_at[kind] = await asyncio.to_thread(_kill, stack.replica_process(kind, 2))
            reported_dead[kind] = await _health_naming_dead(stack, f"{kind}.2")
            await asyncio.sleep(3)  # past Traefik's next health probe of the dead replica

    async def run() -> tuple[Ledger, list[tuple[str, float, int | None]]]:
        reads: list[tuple[str, float, int | None]] = []
        done = asyncio.Event()
        ledger, _ = await asyncio.gather(
            _until(
                done,
                burst(
                    stack.url,
                    100_000,
                    project=project,
                    fault=kill_one_replica_of_each_kind,
                    fault_after=300,
                    headers=stack.headers("agent"),
                    until_fault_ends=True,
                ),
            ),
            _read_meanwhile(stack, project, done, reads),
        )
        return ledger, reads

    ledger, reads = asyncio.run(run())
    applied = asyncio.run(settle(stack.database_url, stack.redis_url, stack.events_stream, ledger))
    summary = check(ledger, applied, f"kill -9 one replica each of {', '.join(KINDS)}")

    # No request sent after a replica died met a 502: Traefik retried what it could not connect.
    webhooks_502 = ledger.answered(BAD_GATEWAY, after=died_at["ingest"])
    reads_502 = [
        (path, status)
        for path, sent_at, status in reads
        if status == BAD_GATEWAY and sent_at > died_at[_served_by(path)]
    ]
    assert webhooks_502 == 0, summary
    assert not reads_502, reads_502

    # Every dashboard has every accepted event once, resumed without a gap where it had to.
    accepted = {e for e, outcome in ledger.outcomes.items() if outcome == OK}
    maybe = {e for e, outcome in ledger.outcomes.items() if outcome == UNKNOWN}
    delivered = {e for e, n in applied.items() if n}
    eventually(lambda: all(set(f.received) >= delivered for f in followers), within=60)
    expected = {"total_connections": FOLLOWERS, "project_connections": {project: FOLLOWERS}}
    eventually(lambda: _connections(stack) == expected, within=30)
    for follower in followers:
        follower.stop()
    for follower in followers:
        assert set(follower.received) >= accepted
        assert set(follower.received) <= accepted | maybe
        assert max(follower.received.values()) == 1, "an event came twice"
        assert follower.resyncs == 0
        assert BAD_GATEWAY not in follower.refusals
    resumed = sum(follower.resumes for follower in followers)
    assert resumed >= 1, "no dashboard was on the killed realtime replica"

    # Each killed replica was named dead by /health, then restarted by the supervisor.
    output = stack.output.read_text()
    for kind in KINDS:
        assert reported_dead[kind]["status"] == "degraded"
        assert re.search(rf"{kind}\.2 \(pid \d+\) was killed by SIGKILL .* restarting it", output)
    back = eventually(lambda: _health(stack) if _health(stack)["status"] == "ok" else None, 120)
    assert all(f"{kind}.2" in back["replicas"] for kind in KINDS)

    SUMMARIES.append(
        f"replicas[{REPLICAS} of each of {', '.join(KINDS)}, one of each killed]: "
        f"502 after a death: webhooks={webhooks_502} reads={len(reads_502)} "
        f"(reads {len(reads)}) | dashboards={FOLLOWERS} resumed={resumed} "
        f"handshakes refused={sum(len(f.refusals) for f in followers)} gaps=0 doubled=0 | "
        f"/api/websocket/stats right | /health named {', '.join(f'{k}.2' for k in KINDS)} "
        f"dead, then ok"
    )


def _kill(process: psutil.Process) -> float:
    """SIGKILL `process`; when it is gone."""
    process.kill()
    process.wait(timeout=30)
    return time.monotonic()


async def _until(done: asyncio.Event, work: Any) -> Any:
    try:
        return await work
    finally:
        done.set()


async def _read_meanwhile(
    stack: Stack, project: str, done: asyncio.Event, reads: list[tuple[str, float, int | None]]
) -> None:
    """A dashboard's reads, one after the other until `done`: (path, sent at, status)."""
    paths = [f"/api/projects/{project}/tasks?limit=1", "/api/stats", "/api/websocket/stats"]
    async with httpx.AsyncClient(
        base_url=stack.url, headers=stack.headers("dashboard"), timeout=10
    ) as client:
        while not done.is_set():
            for path in paths:
                sent_at, status = time.monotonic(), None
                with suppress(httpx.HTTPError):
                    status = (await client.get(path)).status_code
                reads.append((path, sent_at, status))
            await asyncio.sleep(0.02)


def _served_by(path: str) -> str:
    return "realtime" if path.startswith("/api/websocket/") else "query"


async def _health_naming_dead(stack: Stack, replica: str) -> dict[str, Any]:
    """The gateway's /health once it says every check of `replica` found it unreachable."""

    async def naming() -> dict[str, Any] | None:
        async with httpx.AsyncClient(timeout=10) as client:
            answer = (await client.get(f"{stack.url}/health")).json()
        checks = set(answer["replicas"].get(replica, {}).values())
        return answer if checks == {"unreachable"} else None

    return await eventually_async(naming, within=30, interval=0.2)


def _health(stack: Stack) -> dict[str, Any]:
    answer: dict[str, Any] = httpx.get(f"{stack.url}/health", timeout=10).json()
    return answer


def _connections(stack: Stack) -> dict[str, Any]:
    answer = httpx.get(f"{stack.url}/api/websocket/stats", headers=stack.headers("dashboard"))
    return answer.json() if answer.status_code == 200 else {}


def _stream_position(stack: Stack) -> str:
    """The stream's newest entry id, after one webhook of another project made sure it has
    one: dashboards resume from there, so they miss nothing of the burst."""
    other = body(EventKind.START, project=new_project())
    assert httpx.post(f"{stack.url}/webhook/start", json=other, headers=stack.headers("agent"))
    with Redis.from_url(stack.redis_url) as redis:
        newest = redis.xrevrange(stack.events_stream, count=1)
    return str(newest[0][0].decode())

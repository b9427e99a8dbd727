"""A ledger of every webhook sent during a fault, and the check that nothing was lost or doubled.

Each operation is recorded with its event id and outcome: ok (2xx), fail (4xx) or unknown
(timeout, reset, 5xx: it may or may not have been stored). After the run every ok event must be
applied exactly once, no fail event at all, each unknown event at most once.
"""

import asyncio
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import aiohttp
import asyncpg
from redis.asyncio import Redis

from tests.factories import body
from tracker_contracts import EventKind
from tracker_localstack.databases import plain_dsn

OK, FAIL, UNKNOWN = "ok", "fail", "unknown"

SUMMARIES: list[str] = []
"""The ledger summaries of the running test; the root conftest moves them onto its report, and
the end of the run prints them all (from every xdist worker)."""

PACE = 1_000
"""Webhooks per second at most in a burst: faster than ingest takes them on 2 cores, yet the
sender leaves the cores to the system under test (and to tests running beside it)."""


@dataclass
class Ledger:
    project: str
    outcomes: dict[str, str] = field(default_factory=dict)
    statuses: dict[str, int | None] = field(default_factory=dict)
    """Each event's HTTP status; None when no answer came."""
    sent_at: dict[str, float] = field(default_factory=dict)
    """When each request left (`time.monotonic()`)."""

    def answered(self, status: int, after: float) -> int:
        """How many requests sent after `after` were answered `status`."""
        return sum(1 for e, s in self.statuses.items() if s == status and self.sent_at[e] > after)

    def count(self, outcome: str) -> int:
        return sum(1 for o in self.outcomes.values() if o == outcome)


def new_project() -> str:
    return f"faults-{uuid.uuid4().hex[:8]}"


async def burst(
    ingest_url: str,
    count: int,
    *,
    project: str | None = None,
    fault: Callable[[], Awaitable[None]] | None = None,
    fault_after: int = 0,
    concurrency: int = 16,
    headers: dict[str, str] | None = None,
    until_fault_ends: bool = False,
) -> Ledger:
    """Send `count` start webhooks (one task each), at most `PACE` a second; run `fault` once
    `fault_after` were sent. With `until_fault_ends`, stop sending (before `count`) once the
    fault is over."""
    ledger = Ledger(project=project or new_project())
    sent = 0
    fault_started, fault_ended = asyncio.Event(), asyncio.Event()
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(count):
        queue.put_nowait(i)
    loop = asyncio.get_running_loop()
    began = loop.time()

    async def send(client: aiohttp.ClientSession) -> None:
        nonlocal sent
        while not queue.empty() and not (until_fault_ends and fault_ended.is_set()):
            i = queue.get_nowait()
            await asyncio.sleep(began + i / PACE - loop.time())
            event_id = str(uuid.uuid4())
            payload = body(
                EventKind.START, project=ledger.project, task_id=f"t{i}", event_id=event_id
            )
            ledger.sent_at[event_id] = time.monotonic()
            status: int | None = None
            try:
                async with client.post("/webhook/start", json=payload) as response:
                    status = response.status
                outcome = OK if 200 <= status < 300 else FAIL if status < 500 else UNKNOWN
            except (aiohttp.ClientError, TimeoutError):
                outcome = UNKNOWN
            ledger.outcomes[event_id], ledger.statuses[event_id] = outcome, status
            sent += 1
            if sent >= fault_after:
                fault_started.set()

    async def inject() -> None:
        if fault is not None:
            await fault_started.wait()
            await fault()
            fault_ended.set()

    async with aiohttp.ClientSession(
        base_url=ingest_url,
        headers=headers,
        connector=aiohttp.TCPConnector(limit=concurrency),
        timeout=aiohttp.ClientTimeout(total=5),
    ) as client:
        await asyncio.gather(inject(), *(send(client) for _ in range(concurrency)))
    return ledger


async def applied_event_ids(database_url: str, project: str) -> Counter[str]:
    connection = await asyncpg.connect(plain_dsn(database_url))
    try:
        rows = await connection.fetch(
            """
            SELECT e.event_id::text AS event_id FROM task_events e
            JOIN tasks t ON t.id = e.task_pk JOIN projects p ON p.id = t.project_id
            WHERE p.name = $1
            """,
            project,
        )
        return Counter(row["event_id"] for row in rows)
    finally:
        await connection.close()


async def backlog(redis_url: str, stream: str, group: str) -> int:
    """Entries of the stream the group has not yet read or not yet acknowledged."""
    async with Redis.from_url(redis_url) as redis:
        groups = {g["name"].decode(): g for g in await redis.xinfo_groups(stream)}
        info = groups[group]
        newest = await redis.xrevrange(stream, count=1)
        unread = bool(newest) and newest[0][0].decode() != info["last-delivered-id"].decode()
        return int(info["pending"]) + int(unread)


async def settle(database_url: str, redis_url: str, stream: str, ledger: Ledger) -> Counter[str]:
    """Wait until the consumer caught up (no backlog, history stable); return what was applied."""
    previous: Counter[str] | None = None
    for _ in range(600):
        applied = await applied_event_ids(database_url, ledger.project)
        if await backlog(redis_url, stream, "query") == 0 and applied == previous:
            return applied
        previous = applied
        await asyncio.sleep(0.5)
    raise AssertionError(f"never settled: backlog {await backlog(redis_url, stream, 'query')}")


def check(ledger: Ledger, applied: Counter[str], scenario: str) -> str:
    """Assert the delivery guarantees and return the ledger summary line."""
    missing = [e for e, o in ledger.outcomes.items() if o == OK and applied[e] != 1]
    leaked = [e for e, o in ledger.outcomes.items() if o == FAIL and applied[e]]
    doubled = [e for e, n in applied.items() if n > 1]
    strangers = [e for e in applied if e not in ledger.outcomes]
    unknown_applied = sum(1 for e, o in ledger.outcomes.items() if o == UNKNOWN and applied[e])
    summary = (
        f"ledger[{scenario}]: sent={len(ledger.outcomes)} ok={ledger.count(OK)} "
        f"fail={ledger.count(FAIL)} unknown={ledger.count(UNKNOWN)} "
        f"(applied {unknown_applied}) | applied={sum(applied.values())} missing={len(missing)} "
        f"doubled={len(doubled)} failed-but-applied={len(leaked)} unexpected={len(strangers)}"
    )
    SUMMARIES.append(summary)
    assert not missing, summary
    assert not leaked, summary
    assert not doubled, summary
    assert not strangers, summary
    return summary

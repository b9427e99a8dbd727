"""Open-loop load: requests leave on a fixed schedule whether or not earlier ones have answered.

A closed loop (send, wait, send) slows down with the server and hides its tail latency, so
every latency here is measured from the moment the request was *due*, not from when it left.
"""

import asyncio
import itertools
import multiprocessing
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import aiohttp


@dataclass
class Sent:
    """What a load run sent and how the server answered."""

    ok: int = 0
    failed: int = 0
    latencies: list[float] = field(default_factory=list)
    elapsed: float = 0.0
    statuses: dict[int, int] = field(default_factory=dict)
    due: dict[str, float] = field(default_factory=dict)
    """With `stamp`: the wall-clock time each event (by id) was due to be sent."""

    @property
    def rate(self) -> float:
        return self.ok / self.elapsed if self.elapsed else 0.0


def task_events(project: str, agent: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """An endless mix of webhooks as agents send them: per task a start, three progress
    reports and a finish (every fifth task fails instead)."""
    for number in itertools.count():
        task = {
            "project": project,
            "task": f"Benchmark task {number}",
            "task_id": f"{uuid.uuid4().hex[:12]}-{number}",
            "agent": agent,
        }
        steps: list[tuple[str, dict[str, Any]]] = [("start", {})]
        steps += [("status", {"status": "running", "progress": p}) for p in (25, 50, 75)]
        if number % 5 == 4:
            steps.append(("error", {"error_type": "BenchError", "error_message": "planned"}))
        else:
            steps.append(("finish", {"result": "ok", "duration_seconds": 1.5}))
        for kind, fields in steps:
            yield kind, {**task, **fields}


async def send_at_rate(
    url: str,
    headers: dict[str, str],
    rate: float,
    seconds: float,
    *,
    project: str = "bench-load",
    stamp: bool = False,
    connections: int = 64,
) -> Sent:
    """POST webhooks to `url`/webhook/<kind> at `rate` per second for `seconds`. With `stamp`,
    the result keeps the wall-clock time each event was due, by event id, so that a receiver
    can tell how long it took to arrive."""
    sent = Sent()
    events = task_events(project, "bench-agent")
    due_requests: asyncio.Queue[tuple[str, dict[str, Any], float] | None] = asyncio.Queue()
    # aiohttp rather than httpx: per request it costs the generator a fraction of the CPU,
    # which the system under test shares.
    session = aiohttp.ClientSession(
        base_url=url,
        headers=headers,
        connector=aiohttp.TCPConnector(limit=connections),
        timeout=aiohttp.ClientTimeout(total=30),
    )
    async with session:

        async def post_when_due() -> None:
            while (request := await due_requests.get()) is not None:
                kind, body, due = request
                try:
                    async with session.post(f"/webhook/{kind}", json=body) as answer:
                        await answer.read()
                        status = answer.status
                except (aiohttp.ClientError, TimeoutError):
                    sent.failed += 1
                    continue
                sent.statuses[status] = sent.statuses.get(status, 0) + 1
                if status == 202:
                    sent.ok += 1
                    sent.latencies.append(time.monotonic() - due)
                else:
                    sent.failed += 1

        workers = [asyncio.create_task(post_when_due()) for _ in range(connections)]
        start, wall_start = time.monotonic(), time.time()
        for number in range(int(rate * seconds)):
            due = start + number / rate
            if (delay := due - time.monotonic()) > 0:
                await asyncio.sleep(delay)
            kind, body = next(events)
            if stamp:
                body["event_id"] = str(uuid.uuid4())
                sent.due[body["event_id"]] = wall_start + number / rate
            due_requests.put_nowait((kind, body, due))
        for _ in workers:
            due_requests.put_nowait(None)
        await asyncio.gather(*workers)
        sent.elapsed = time.monotonic() - start
    return sent


def _send_in_process(args: tuple[Any, ...], kwargs: dict[str, Any]) -> Sent:
    return asyncio.run(send_at_rate(*args, **kwargs))


class BackgroundLoad:
    """`send_at_rate` in a process of its own, so it does not share an event loop (or the GIL)
    with whatever is being measured meanwhile."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        context = multiprocessing.get_context("spawn")
        self._pool = context.Pool(1)
        self._result = self._pool.apply_async(_send_in_process, (args, kwargs))

    @property
    def pid(self) -> int:
        return self._pool._pool[0].pid  # type: ignore[attr-defined,no-any-return]

    def result(self, timeout: float = 600) -> Sent:
        try:
            return self._result.get(timeout)
        finally:
            self._pool.close()
            self._pool.join()

"""Dashboards following the live feed, many per process, in processes of their own."""

import asyncio
import contextlib
import json
import multiprocessing
import resource
import time
from dataclasses import dataclass, field
from multiprocessing.queues import Queue
from typing import Any

from websockets.asyncio.client import ClientConnection, connect


@dataclass
class Arrivals:
    """When each event (by id) reached a dashboard; one entry per dashboard that got it."""

    times: dict[str, list[float]] = field(default_factory=dict)
    closed_early: int = 0

    @property
    def deliveries(self) -> int:
        return sum(len(t) for t in self.times.values())

    def merge(self, other: "Arrivals") -> None:
        for event_id, times in other.times.items():
            self.times.setdefault(event_id, []).extend(times)
        self.closed_early += other.closed_early


def raise_open_file_limit() -> None:
    """Thousands of WebSocket connections need as many open files."""
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


async def _follow(connection: ClientConnection, arrivals: Arrivals, until: float) -> None:
    try:
        while (left := until - time.time()) > 0:
            raw = await asyncio.wait_for(connection.recv(), left)
            received = time.time()
            message = json.loads(raw)
            if "event_id" in message:
                arrivals.times.setdefault(message["event_id"], []).append(received)
    except TimeoutError:
        pass
    except Exception:  # closed by the server, e.g. as a slow consumer
        arrivals.closed_early += 1


async def _watch(url: str, clients: int, seconds: float, queue: "Queue[Any]") -> None:
    connections = []
    for _ in range(clients):
        connections.append(await connect(url, max_queue=None, open_timeout=60, ping_interval=None))
    queue.put("ready")
    arrivals = Arrivals()
    until = time.time() + seconds
    await asyncio.gather(*(_follow(c, arrivals, until) for c in connections))
    for connection in connections:
        with contextlib.suppress(Exception):
            await connection.close()
    queue.put(arrivals)


def _watch_in_process(url: str, clients: int, seconds: float, queue: "Queue[Any]") -> None:
    raise_open_file_limit()
    asyncio.run(_watch(url, clients, seconds, queue))


class Dashboards:
    """`clients` WebSocket clients on `url`, spread over `processes`, each listening for
    `seconds` after all are connected."""

    def __init__(self, url: str, clients: int, seconds: float, processes: int = 1) -> None:
        context = multiprocessing.get_context("spawn")
        self._queue: Queue[Any] = context.Queue()
        shares = [clients // processes + (i < clients % processes) for i in range(processes)]
        self._processes = [
            context.Process(target=_watch_in_process, args=(url, share, seconds, self._queue))
            for share in shares
            if share
        ]
        for process in self._processes:
            process.start()
        for _ in self._processes:
            if self._queue.get(timeout=300) != "ready":
                raise RuntimeError("a dashboard process failed to connect")

    @property
    def pids(self) -> list[int]:
        return [p.pid for p in self._processes if p.pid is not None]

    def arrivals(self) -> Arrivals:
        merged = Arrivals()
        for _ in self._processes:
            merged.merge(self._queue.get(timeout=600))
        for process in self._processes:
            process.join(timeout=60)
        return merged

"""Dashboards following the live feed, many per process, in processes of their own.

The clients share the machine's cores with the system they measure, so each costs as little
as an honest dashboard can: aiohttp's WebSocket reader (compiled) on uvloop, one deadline
per connection rather than one per message, and of each message only the event's id is read,
which is all a latency measurement needs. They still offer compression as browsers do:
whether it is used is the server's choice.
"""

import asyncio
import contextlib
import multiprocessing
import resource
import time
from dataclasses import dataclass, field
from multiprocessing.queues import Queue
from typing import Any

import aiohttp
import uvloop

_EVENT_ID = '"event_id":"'
_UUID_LENGTH = 36


@dataclass
class Arrivals:
    """When each event (by id) reached a dashboard; one entry per dashboard that got it."""

    times: dict[str, list[float]] = field(default_factory=dict)
    closed_early: int = 0
    cpu_seconds: float = 0.0
    """CPU the dashboard processes spent while listening."""

    @property
    def deliveries(self) -> int:
        return sum(len(t) for t in self.times.values())

    def merge(self, other: "Arrivals") -> None:
        for event_id, times in other.times.items():
            self.times.setdefault(event_id, []).extend(times)
        self.closed_early += other.closed_early
        self.cpu_seconds += other.cpu_seconds


def raise_open_file_limit() -> None:
    """Thousands of WebSocket connections need as many open files."""
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def event_id_in(text: str) -> str | None:
    """The `event_id` of a live message, found without parsing the rest: inside a JSON string
    a quote is escaped, so `"event_id":"` can only be the key itself."""
    start = text.rfind(_EVENT_ID)
    if start < 0:
        return None
    start += len(_EVENT_ID)
    return text[start : start + _UUID_LENGTH]


async def _follow(
    connection: aiohttp.ClientWebSocketResponse, arrivals: Arrivals, until: float
) -> None:
    try:
        async with asyncio.timeout(until - time.time()):
            async for message in connection:
                received = time.time()
                if message.type is aiohttp.WSMsgType.TEXT and (
                    event_id := event_id_in(message.data)
                ):
                    arrivals.times.setdefault(event_id, []).append(received)
        arrivals.closed_early += 1  # closed by the server, e.g. as a slow consumer
    except TimeoutError:
        pass
    except aiohttp.ClientError:
        arrivals.closed_early += 1


async def _watch(
    url: str, clients: int, seconds: float, queue: "Queue[Any]", headers: dict[str, str]
) -> None:
    connector = aiohttp.TCPConnector(limit=0)
    timeout = aiohttp.ClientWSTimeout(ws_receive=None, ws_close=5)
    async with aiohttp.ClientSession(connector=connector) as session:
        connections = [
            await session.ws_connect(url, compress=15, timeout=timeout, headers=headers)
            for _ in range(clients)
        ]
        queue.put("ready")
        arrivals = Arrivals()
        cpu_before = time.process_time()
        until = time.time() + seconds
        await asyncio.gather(*(_follow(c, arrivals, until) for c in connections))
        arrivals.cpu_seconds = time.process_time() - cpu_before
        for connection in connections:
            with contextlib.suppress(Exception):
                await connection.close()
    queue.put(arrivals)


def _watch_in_process(
    url: str, clients: int, seconds: float, queue: "Queue[Any]", headers: dict[str, str]
) -> None:
    raise_open_file_limit()
    uvloop.run(_watch(url, clients, seconds, queue, headers))


class Dashboards:
    """`clients` WebSocket clients on `url`, spread over `processes`, each listening for
    `seconds` after all are connected."""

    def __init__(
        self,
        url: str,
        clients: int,
        seconds: float,
        processes: int = 1,
        headers: dict[str, str] | None = None,
    ) -> None:
        context = multiprocessing.get_context("spawn")
        self._queue: Queue[Any] = context.Queue()
        shares = [clients // processes + (i < clients % processes) for i in range(processes)]
        self._processes = [
            context.Process(
                target=_watch_in_process, args=(url, share, seconds, self._queue, headers or {})
            )
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

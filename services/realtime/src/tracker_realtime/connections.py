"""Connection counts shared by every realtime replica through Redis.

Each replica keeps one hash, `<stream>:ws-connections:<replica>`, with its total and
per-project counts and a short expiry that it refreshes; the counts of a replica that dies
expire with it. Readers add up all the hashes.
"""

import asyncio
import contextlib
import logging
from collections import Counter

from redis.asyncio import Redis
from redis.exceptions import RedisError

from .hub import Hub

logger = logging.getLogger(__name__)

_TOTAL = "total"
_PROJECT = "project:"


class ConnectionRegistry:
    def __init__(self, redis: Redis, stream: str, replica_id: str, ttl_seconds: int) -> None:
        self._redis = redis
        self._prefix = f"{stream}:ws-connections:"
        self._key = self._prefix + replica_id
        self._ttl = ttl_seconds
        self.changed = asyncio.Event()

    async def report(self, hub: Hub) -> None:
        total, per_project = hub.counts()
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.delete(self._key)
            pipe.hset(
                self._key,
                mapping={_TOTAL: total, **{_PROJECT + p: n for p, n in per_project.items()}},
            )
            pipe.expire(self._key, self._ttl)
            await pipe.execute()

    async def report_until(self, stop: asyncio.Event, hub: Hub, interval: float) -> None:
        """Refresh this replica's counts every `interval` seconds, and at once on a change,
        until `stop` is set. (A stop flag rather than task cancellation: a cancellation that
        lands inside a Redis call may be swallowed by the client.)"""
        while not stop.is_set():
            self.changed.clear()
            try:
                await self.report(hub)
            except (RedisError, OSError) as error:
                logger.warning("could not report connection counts: %s", error)
            wake = asyncio.ensure_future(self.changed.wait())
            halt = asyncio.ensure_future(stop.wait())
            await asyncio.wait({wake, halt}, timeout=interval, return_when=asyncio.FIRST_COMPLETED)
            wake.cancel()
            halt.cancel()

    async def withdraw(self) -> None:
        with contextlib.suppress(RedisError):
            await self._redis.delete(self._key)

    async def totals(self) -> tuple[int, Counter[str]]:
        """Connections across all live replicas: in all, and per project."""
        total = 0
        per_project: Counter[str] = Counter()
        async for key in self._redis.scan_iter(match=f"{self._prefix}*", count=100):
            counts = await self._redis.hgetall(key)
            for field, value in counts.items():
                name = field.decode() if isinstance(field, bytes) else field
                if name == _TOTAL:
                    total += int(value)
                elif name.startswith(_PROJECT):
                    per_project[name.removeprefix(_PROJECT)] += int(value)
        return total, per_project

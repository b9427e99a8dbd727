"""Connection counts shared by every realtime replica through Redis.

Each replica keeps one hash, `<stream>:ws-connections:<replica>`, with its total, per-project
and per-API-key counts and a short expiry that it refreshes; the counts of a replica that dies
expire with it. The replicas' names are listed in the set `<stream>:ws-replicas`, so readers
add up the hashes of the listed replicas (work in proportion to replicas and projects, never
to the size of the keyspace) and drop from the set the names whose hash has expired.

A new connection is admitted by a script that adds up its key's connections on every replica
and records this replica's new count in the same step, so that two replicas admitting at once
cannot both pass the limit.
"""

import asyncio
import contextlib
import logging
from collections import Counter
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import RedisError
from redis.typing import EncodableT, FieldT

from .hub import Hub

logger = logging.getLogger(__name__)

_TOTAL = "total"
_PROJECT = "project:"
_KEY = "key:"

# KEYS[1] the replicas' set, KEYS[2] this replica's hash. ARGV[1] the prefix of the replicas'
# hashes, ARGV[2] this replica's name, ARGV[3] the key's field, ARGV[4] this replica's count for
# the key with the new connection, ARGV[5] the limit, ARGV[6] the hash's expiry in seconds.
# Returns 1 and records the count when the connections of the key on all replicas stay within
# the limit, else 0 and changes nothing.
_ADMIT_SCRIPT = """
local total = tonumber(ARGV[4])
for _, replica in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  if replica ~= ARGV[2] then
    total = total + (tonumber(redis.call('HGET', ARGV[1] .. replica, ARGV[3])) or 0)
  end
end
if total > tonumber(ARGV[5]) then
  return 0
end
redis.call('HSET', KEYS[2], ARGV[3], ARGV[4])
redis.call('EXPIRE', KEYS[2], ARGV[6])
redis.call('SADD', KEYS[1], ARGV[2])
return 1
"""


class ConnectionRegistry:
    def __init__(self, redis: Redis, stream: str, replica_id: str, ttl_seconds: int) -> None:
        self._redis = redis
        self._prefix = f"{stream}:ws-connections:"
        self._replicas = f"{stream}:ws-replicas"
        self._replica = replica_id
        self._key = self._prefix + replica_id
        self._ttl = ttl_seconds
        self._per_key: Counter[str] = Counter()
        self._admit = redis.register_script(_ADMIT_SCRIPT)
        self.changed = asyncio.Event()

    async def admit(self, key_name: str, limit: int) -> bool:
        """Count a new connection of the API key `key_name` unless the key already has `limit`
        open across all replicas. Without Redis only this replica's connections are counted."""
        self._per_key[key_name] += 1
        count = self._per_key[key_name]
        admitted = count <= limit
        if admitted:
            try:
                keys = [self._replicas, self._key]
                args: list[str | int] = [
                    self._prefix,
                    self._replica,
                    _KEY + key_name,
                    count,
                    limit,
                    self._ttl,
                ]
                admitted = bool(await self._admit(keys=keys, args=args))
            except (RedisError, OSError) as error:
                logger.warning("could not count connections across replicas: %s", error)
        if not admitted:
            self.release(key_name)
        return admitted

    def release(self, key_name: str) -> None:
        self._per_key[key_name] -= 1
        if self._per_key[key_name] <= 0:
            del self._per_key[key_name]
        self.changed.set()

    async def report(self, hub: Hub) -> None:
        total, per_project = hub.counts()
        counts: dict[FieldT, EncodableT] = {_TOTAL: total}
        counts.update({_PROJECT + p: n for p, n in per_project.items()})
        counts.update({_KEY + k: n for k, n in self._per_key.items()})
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.delete(self._key)
            pipe.hset(self._key, mapping=counts)
            pipe.expire(self._key, self._ttl)
            pipe.sadd(self._replicas, self._replica)
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
        with contextlib.suppress(RedisError, OSError):
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.delete(self._key)
                pipe.srem(self._replicas, self._replica)
                await pipe.execute()

    async def totals(self) -> tuple[int, Counter[str]]:
        """Connections across all live replicas: in all, and per project."""
        replicas = [
            name.decode() if isinstance(name, bytes) else name
            for name in await self._redis.smembers(self._replicas)
        ]
        async with self._redis.pipeline(transaction=False) as pipe:
            for replica in replicas:
                pipe.hgetall(self._prefix + replica)
            answers: list[dict[Any, Any]] = await pipe.execute()
        total = 0
        per_project: Counter[str] = Counter()
        gone = []
        for replica, counts in zip(replicas, answers, strict=True):
            if not counts:  # expired: the replica stopped reporting
                gone.append(replica)
            for field, value in counts.items():
                name = field.decode() if isinstance(field, bytes) else field
                if name == _TOTAL:
                    total += int(value)
                elif name.startswith(_PROJECT):
                    per_project[name.removeprefix(_PROJECT)] += int(value)
        if gone:
            await self._redis.srem(self._replicas, *gone)
        return total, per_project

"""Consumers that left the consumer group for good are removed from it.

A consumer is named after its process (hostname and pid, `CONSUMER_NAME`), so every restart,
crash or rescheduled pod leaves a name behind, and Redis lists every name in the group until it
is deleted. Each worker therefore, every maintenance round:

- marks its own consumers alive: one key per consumer name (`stream_key`, in the stream's
  Redis Cluster slot) that expires after `dead_consumer_idle_seconds`;
- removes the consumers that Redis says have had nothing delivered or claimed for as long
  (`XINFO CONSUMERS` idle), that no living worker marks alive, and that hold no pending
  entries. A dead consumer's pending entries are first taken over by the living once they
  are idle for `claim_idle_ms`, which empties it.

The mark is what tells a living consumer from a dead one: on Redis 6.2 a consumer's idle time
grows while it reads nothing, however often it asks. The last checks and the deletion run in
one script, atomically: an entry delivered to the consumer meanwhile would be pending and stop
it, so nothing is ever dropped from the pending list. Deleting a consumer twice is harmless
(the second finds none), so any number of workers may do this at once.
"""

import logging
from collections.abc import Sequence

from redis.asyncio import Redis

from tracker_contracts import reply_text, stream_key

logger = logging.getLogger(__name__)

# KEYS[1] the stream, KEYS[2] the consumer's mark of life; ARGV[1] the group, ARGV[2] the
# consumer. Deletes the consumer unless it is marked alive or holds pending entries; returns 1
# if it deleted it.
_REMOVE_IF_DEPARTED = """
if redis.call('EXISTS', KEYS[2]) == 1 then
  return 0
end
if #redis.call('XPENDING', KEYS[1], ARGV[1], '-', '+', 1, ARGV[2]) > 0 then
  return 0
end
redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], ARGV[2])
return 1
"""


def alive_key(stream: str, group: str, consumer: str) -> str:
    """The key that says `consumer` of `group` belongs to a living worker."""
    return stream_key(stream, f"alive:{group}:{consumer}")


class GroupMembers:
    """The consumers of one group: this worker's marked alive, departed ones removed."""

    def __init__(
        self, redis: Redis, stream: str, group: str, own: Sequence[str], idle_seconds: float
    ) -> None:
        self._redis = redis
        self._stream = stream
        self._group = group
        self._own = list(own)
        self._idle_ms = int(idle_seconds * 1000)
        self._remove_if_departed = redis.register_script(_REMOVE_IF_DEPARTED)

    async def mark_alive(self) -> None:
        async with self._redis.pipeline(transaction=False) as pipe:
            for consumer in self._own:
                pipe.set(alive_key(self._stream, self._group, consumer), 1, px=self._idle_ms)
            await pipe.execute()

    async def remove_departed(self) -> list[str]:
        """Remove the consumers that left the group; their names."""
        consumers = await self._redis.xinfo_consumers(self._stream, self._group)
        removed = []
        for consumer in consumers:
            name = reply_text(consumer["name"])
            if int(consumer["pending"]) or int(consumer["idle"]) < self._idle_ms:
                continue
            keys = [self._stream, alive_key(self._stream, self._group, name)]
            if await self._remove_if_departed(keys=keys, args=[self._group, name]):
                removed.append(name)
        if removed:
            logger.info("removed departed consumers from group %s: %s", self._group, removed)
        return removed

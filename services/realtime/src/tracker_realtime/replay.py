"""What a resuming client missed, read back from the event stream and sent page by page.

The stream keeps only recent entries (the query service trims those it applied a while ago),
so a client away for too long is told to reload rather than sent a replay with a hole in it.

The replay never holds more than one page: a page is read, each of its events sent (each send
waits until the client's connection takes it), then the next page is read. The work is bounded
per connection: the entries after the client's position are looked up in the `ReplayIndex`
(only the client's projects' entries are read back), at most `max_events` of them are sent,
and the part older than the index reaches is read from the stream, at most `max_scanned`
entries of it. When a bound is reached the client gets `resync_required` (`too_far_behind`):
up front when the index tells how many there are, else after the events sent so far.
"""

from dataclasses import dataclass
from typing import Any, cast

from redis.asyncio import Redis
from redis.exceptions import ResponseError

from tracker_contracts import (
    EntryId,
    ReplayCompleteData,
    ReplayCompleteMessage,
    ResyncReason,
    ResyncRequiredData,
    ResyncRequiredMessage,
)

from .hub import Subscriber
from .index import ReplayIndex
from .stream import Entries, Relayed, event_in_fields

PAGE_SIZE = 200
"""Entries read from Redis and sent before the next read."""


@dataclass(frozen=True)
class ReplayLimits:
    max_events: int
    """Events sent to one client at most."""
    max_scanned: int
    """Stream entries read at most, for the part the index does not reach."""


class _Cut(Exception):
    def __init__(self, reason: ResyncReason) -> None:
        self.reason = reason


async def catch_up(
    subscriber: Subscriber,
    since: EntryId,
    redis: Redis,
    stream: str,
    index: ReplayIndex,
    limits: ReplayLimits,
) -> None:
    """Send the client the events it missed after `since` and `replay_complete`, or, when
    they cannot all be sent, `resync_required`. Live events it then gets start after the
    last one sent here."""
    subscriber.position = since
    replay = _Replay(subscriber, redis, stream, limits)
    try:
        await replay.run(since, index)
    except _Cut as cut:
        await subscriber.send(_resync(cut.reason, await _stream_info(redis, stream)))
        return
    last_id = None if replay.last is None else str(replay.last)
    done = ReplayCompleteData(replayed=replay.sent, last_id=last_id)
    await subscriber.send(ReplayCompleteMessage(data=done).model_dump_json())


class _Replay:
    def __init__(
        self, subscriber: Subscriber, redis: Redis, stream: str, limits: ReplayLimits
    ) -> None:
        self._subscriber = subscriber
        self._redis = redis
        self._stream = stream
        self._limits = limits
        self.sent = 0
        self.last: EntryId | None = None

    async def run(self, since: EntryId, index: ReplayIndex) -> None:
        if _lost_after(since, await _stream_info(self._redis, self._stream)):
            raise _Cut(ResyncReason.HISTORY_TRIMMED)
        # What the index holds is copied now. The client joined the hub before: every entry
        # added from now on reaches its queue too, and its position skips those sent twice.
        floor = index.floor
        projects = self._subscriber.projects
        indexed_since = since if floor is None or since > floor else floor
        if floor is not None and index.count_after(indexed_since, projects) > (
            self._limits.max_events
        ):
            raise _Cut(ResyncReason.TOO_FAR_BEHIND)
        indexed = list(index.after(indexed_since, projects)) if floor is not None else []
        if floor is None or since < floor:
            await self._scan(since, floor)
            # Checked after reading, so that an entry trimmed away meanwhile counts as lost.
            if _lost_after(since, await _stream_info(self._redis, self._stream)):
                raise _Cut(ResyncReason.HISTORY_TRIMMED)
        if self.sent + len(indexed) > self._limits.max_events:
            raise _Cut(ResyncReason.TOO_FAR_BEHIND)
        for start in range(0, len(indexed), PAGE_SIZE):
            await self._read_back(indexed[start : start + PAGE_SIZE])

    async def _scan(self, since: EntryId, through: EntryId | None) -> None:
        """Read the stream after `since` up to `through` (the end when None), sending the
        client's events."""
        start, end = f"({since}", "+" if through is None else str(through)
        scanned = 0
        while True:
            room = self._limits.max_scanned - scanned
            # With no room left, one entry is read to learn whether any is left.
            count = min(PAGE_SIZE, room) or 1
            page = cast(
                Entries, await self._redis.xrange(self._stream, min=start, max=end, count=count)
            )
            if not page:
                return
            if not room:
                raise _Cut(ResyncReason.TOO_FAR_BEHIND)
            scanned += len(page)
            for raw_id, fields in page:
                entry_id = EntryId.parse(raw_id)
                event = event_in_fields(fields, entry_id)
                if event is not None and self._subscriber.follows(event.payload.project):
                    await self._send(Relayed.of(entry_id, event))
            start = f"({entry_id}"

    async def _read_back(self, ids: list[EntryId]) -> None:
        """Read the entries `ids` (of the client's projects) and send them."""
        async with self._redis.pipeline(transaction=False) as pipe:
            for entry_id in ids:
                pipe.xrange(self._stream, min=str(entry_id), max=str(entry_id), count=1)
            answers: list[Any] = await pipe.execute()
        for entry_id, answer in zip(ids, answers, strict=True):
            if not answer:  # trimmed since it was indexed, or deleted
                if _lost_after(entry_id, await _stream_info(self._redis, self._stream)):
                    raise _Cut(ResyncReason.HISTORY_TRIMMED)
                continue
            event = event_in_fields(answer[0][1], entry_id)
            if event is not None:
                await self._send(Relayed.of(entry_id, event))

    async def _send(self, message: Relayed) -> None:
        if self.sent >= self._limits.max_events:
            raise _Cut(ResyncReason.TOO_FAR_BEHIND)
        await self._subscriber.send(message.text, message.entry_id)
        self.sent += 1
        self.last = message.entry_id


async def _stream_info(redis: Redis, stream: str) -> dict[str, Any]:
    try:
        info: dict[str, Any] = await redis.xinfo_stream(stream)
    except ResponseError:  # no such stream: nothing was ever added, nothing was lost
        return {"first-entry": None, "last-generated-id": b"0-0"}
    return info


def _lost_after(since: EntryId, info: dict[str, Any]) -> bool:
    """Whether entries newer than `since` may have been trimmed away: trimming keeps no trace
    of what it removed, so anything older than the oldest entry kept is taken as lost."""
    first = info["first-entry"]
    return EntryId.parse(first[0] if first else info["last-generated-id"]) > since


def _resync(reason: ResyncReason, info: dict[str, Any]) -> str:
    first = info["first-entry"]
    oldest = str(EntryId.parse(first[0])) if first else None
    data = ResyncRequiredData(reason=reason, oldest_available=oldest)
    return ResyncRequiredMessage(data=data).model_dump_json()

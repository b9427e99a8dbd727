"""What a resuming client missed, read back from the event stream.

The stream keeps only recent entries (the query service trims those it applied a while ago),
so a client away for too long is told to reload rather than sent a replay with a hole in it.
"""

from collections.abc import Callable
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import ResponseError

from tracker_contracts import (
    ReplayCompleteData,
    ReplayCompleteMessage,
    ResyncReason,
    ResyncRequiredData,
    ResyncRequiredMessage,
)

from .hub import Subscriber
from .stream import EntryId, Relayed, event_in_fields

PAGE_SIZE = 1000


async def catch_up(
    subscriber: Subscriber, since: EntryId, redis: Redis, stream: str, limit: int
) -> None:
    """Send the client the events it missed after `since` and `replay_complete`, or, when
    they cannot all be sent, `resync_required`. Live events it then gets start after the
    last one sent here (or, after `resync_required`, with the first one queued)."""
    missed = await read_missed(redis, stream, since, subscriber.follows, limit)
    if isinstance(missed, ResyncRequiredMessage):
        subscriber.position = None
        await subscriber.send(missed.model_dump_json())
        return
    subscriber.position = since
    await subscriber.send_all(missed)
    last_id = str(missed[-1].entry_id) if missed else None
    done = ReplayCompleteData(replayed=len(missed), last_id=last_id)
    await subscriber.send(ReplayCompleteMessage(data=done).model_dump_json())


async def read_missed(
    redis: Redis, stream: str, since: EntryId, follows: Callable[[str], bool], limit: int
) -> list[Relayed] | ResyncRequiredMessage:
    """The events after `since` of the projects `follows`, oldest first; or, when some of
    them are no longer kept or there are more than `limit`, the message telling to reload."""
    missed: list[Relayed] = []
    start = f"({since}"
    while page := await redis.xrange(stream, min=start, count=PAGE_SIZE):
        for raw_id, fields in page:
            if raw_id is None or fields is None:  # as typed; XRANGE never answers so
                continue
            entry_id = EntryId.parse(raw_id)
            event = event_in_fields(fields, entry_id)
            if event is not None and follows(event.payload.project):
                missed.append(Relayed.of(entry_id, event))
        if len(missed) > limit:
            return _resync(ResyncReason.TOO_FAR_BEHIND, await _stream_info(redis, stream))
        start = f"({entry_id}"
    # Checked after reading, so that an entry trimmed away while the pages were read counts
    # as lost too.
    info = await _stream_info(redis, stream)
    if _lost_after(since, info):
        return _resync(ResyncReason.HISTORY_TRIMMED, info)
    return missed


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


def _resync(reason: ResyncReason, info: dict[str, Any]) -> ResyncRequiredMessage:
    first = info["first-entry"]
    oldest = str(EntryId.parse(first[0])) if first else None
    return ResyncRequiredMessage(data=ResyncRequiredData(reason=reason, oldest_available=oldest))

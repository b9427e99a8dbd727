"""Events that cannot be applied, set aside with the reason so they never block the others.

The dead letters are the Redis stream `<events stream>:dead-letters`. Each one holds the id of
the entry that failed, the reason, when it failed, the event as JSON (for people to read) and
the entry's own fields as they were on the events stream (`entry:<field>`), so that a re-drive
puts back exactly what ingest wrote. Nothing trims this stream: a dead letter leaves it only
when an admin re-drives or discards it, and its count and oldest age are reported (`summary`).

Re-driving appends the entry to the events stream and deletes its dead letter in one Lua script
(`_MOVE`), which Redis runs atomically: a crash leaves the letter either still here or moved,
never both, never neither. A letter already re-driven or discarded is no longer found, so the
same letter cannot go back twice; and the consumer records each `event_id` once, so an event
that reached the database some other way (a client's retry) changes nothing the second time.

Dead-letter ids are the stream's own ids, given when the event was buried, so a time range is an
id range. Listing scans at most `SCAN_LIMIT` letters per page (filters on reason and project are
applied while scanning) and says where to continue.
"""

import json
import logging
import re
import uuid
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from redis.asyncio import Redis

from tracker_contracts import (
    DATA_FIELD,
    SEQUENCE_FIELD,
    EntryId,
    appended_count_key,
    dead_letters_stream,
    frame,
    reply_text,
)

logger = logging.getLogger(__name__)

LETTER_ID = re.compile(r"\d{1,19}-\d{1,19}")
"""What a dead letter's id looks like (a Redis stream id)."""
SCAN_LIMIT = 10_000
"""Most dead letters one listing page looks at before answering with where to continue."""
_CHUNK = 200
_ENTRY_PREFIX = b"entry:"
_REASON_MAX = 4000

# KEYS[1]: the dead letters; KEYS[2]: the events stream; KEYS[3]: its count of appended entries.
# ARGV, for each letter: its id, the number n of field/value items of its entry, those n items.
# A letter still here is appended to the events stream with the next sequence number (as ingest
# numbers its appends, so the backlog it measures stays right), then deleted; one already gone
# (re-driven or discarded meanwhile) is skipped. The append comes first: a Redis refusing writes
# (out of memory) refuses it before anything changed. Returns, per letter, the new entry's id or
# nil.
_MOVE = f"""
local moved = {{}}
local i = 1
while i <= #ARGV do
  local id, n = ARGV[i], tonumber(ARGV[i + 1])
  if #redis.call('XRANGE', KEYS[1], id, id) == 1 then
    local sequence = tonumber(redis.call('GET', KEYS[3]) or '0') + 1
    local fields = {{unpack(ARGV, i + 2, i + 1 + n)}}
    fields[#fields + 1] = '{SEQUENCE_FIELD}'
    fields[#fields + 1] = sequence
    moved[#moved + 1] = redis.call('XADD', KEYS[2], '*', unpack(fields))
    redis.call('SET', KEYS[3], sequence)
    redis.call('XDEL', KEYS[1], id)
  else
    moved[#moved + 1] = false
  end
  i = i + 2 + n
end
return moved
"""


@dataclass(frozen=True)
class DeadLetter:
    id: str
    """Its id in the dead-letter stream."""
    entry_id: str
    """The id the event had on the events stream when it failed."""
    reason: str
    failed_at: datetime
    event: Any
    entry: Mapping[bytes, bytes]
    """The entry's fields as they were on the events stream; empty for letters buried before
    they were kept."""

    @property
    def project(self) -> str | None:
        payload = self.event.get("payload") if isinstance(self.event, dict) else None
        project = payload.get("project") if isinstance(payload, dict) else None
        return project if isinstance(project, str) else None


@dataclass(frozen=True)
class Selection:
    """Which dead letters: all those matching every filter given (none: every letter)."""

    reason: str | None = None
    """Text the reason contains, ignoring case."""
    project: str | None = None
    since: datetime | None = None
    """Buried at or after this time."""
    until: datetime | None = None
    """Buried before this time."""

    def matches(self, letter: DeadLetter) -> bool:
        if self.reason is not None and self.reason.casefold() not in letter.reason.casefold():
            return False
        return self.project is None or letter.project == self.project

    def id_range(self) -> tuple[str, str | None]:
        """The ids, first and last inclusive, of letters buried in the time range; no last id
        when the range ends before any id."""
        low = str(EntryId.first_at(self.since)) if self.since else "-"
        high = _before(str(EntryId.first_at(self.until))) if self.until else "+"
        return low, high


@dataclass(frozen=True)
class Page:
    letters: list[DeadLetter]
    next_cursor: str | None
    """Pass as `cursor` for the next page (older letters); None when none are left."""


@dataclass(frozen=True)
class Summary:
    count: int
    oldest_failed_at: datetime | None

    @property
    def oldest_age_seconds(self) -> float | None:
        if self.oldest_failed_at is None:
            return None
        return max(0.0, (datetime.now(UTC) - self.oldest_failed_at).total_seconds())

    def as_health(self) -> dict[str, Any]:
        """The figures for a health answer: `{"count": n, "oldest_age_seconds": s | null}`."""
        age = self.oldest_age_seconds
        return {"count": self.count, "oldest_age_seconds": None if age is None else round(age)}


class DeadLetters:
    """The dead-letter stream `<events stream>:dead-letters` of one consumer group."""

    def __init__(self, redis: Redis, events_stream: str, group: str) -> None:
        self._redis = redis
        self._events_stream = events_stream
        self._group = group
        self.stream = dead_letters_stream(events_stream)
        self._move = redis.register_script(_MOVE)

    async def bury(self, entry_id: bytes | str, body: Any, reason: str) -> None:
        """Move an entry to the dead letters and acknowledge it, in one transaction."""
        entry = entry_id.decode() if isinstance(entry_id, bytes) else entry_id
        # Stream entries never change; a pending one is never trimmed, so it is still there.
        found = await self._redis.xrange(self._events_stream, entry, entry)
        original = {
            _ENTRY_PREFIX + _bytes(k): _bytes(v)
            for _, f in found or []
            for k, v in (f or {}).items()
        }
        fields: dict[Any, Any] = {
            "entry_id": entry,
            "reason": reason[:_REASON_MAX],
            "failed_at": datetime.now(UTC).isoformat(),
            "event": json.dumps(body, default=repr, ensure_ascii=False),
            **original,
        }
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.xadd(self.stream, fields)
            pipe.xack(self._events_stream, self._group, entry)
            await pipe.execute()
        logger.error("event %s moved to dead letters: %s", entry, reason)

    async def count(self) -> int:
        return int(await self._redis.xlen(self.stream))

    async def summary(self) -> Summary:
        """How many dead letters wait, and since when the oldest."""
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.xlen(self.stream)
            pipe.xrange(self.stream, count=1)
            count, oldest = await pipe.execute()
        letters = [_letter(i, f) for i, f in oldest or []]
        return Summary(int(count), letters[0].failed_at if letters else None)

    async def get(self, letter_id: str) -> DeadLetter | None:
        found = await self._range(letter_id, letter_id, newest_first=False, count=1)
        return found[0] if found else None

    async def page(self, selection: Selection, limit: int, cursor: str | None = None) -> Page:
        """Matching letters, newest first, older than `cursor` if given."""
        low, high = selection.id_range()
        if cursor is not None and (
            high == "+" or EntryId.parse(cursor) <= EntryId.parse(high or "0-0")
        ):
            high = _before(cursor)
        letters: list[DeadLetter] = []
        scanned, last = 0, None
        while len(letters) < limit and scanned < SCAN_LIMIT:
            chunk = await self._range(high, low, newest_first=True)
            if not chunk:
                return Page(letters, None)
            for letter in chunk:
                scanned += 1
                last = letter.id
                if selection.matches(letter):
                    letters.append(letter)
                    if len(letters) == limit:
                        break
                if scanned == SCAN_LIMIT:
                    break
            high = _before(last) if last else None
        # The page is full or the scan reached its limit: more may follow.
        more = await self._range(high, low, newest_first=True, count=1)
        return Page(letters, last if more else None)

    async def redrive(self, letter_id: str) -> str | None:
        """Put the letter's event back on the events stream; its new entry id, or None if the
        letter is not here (never was, or re-driven or discarded already)."""
        letter = await self.get(letter_id)
        if letter is None:
            return None
        [moved] = await self._move_all([letter])
        if moved is not None:
            logger.warning("dead letter %s re-driven as %s", letter_id, moved)
        return moved

    async def discard(self, letter_id: str) -> bool:
        """Delete the letter for good; False if it is not here."""
        deleted = bool(await self._redis.xdel(self.stream, letter_id))
        if deleted:
            logger.warning("dead letter %s discarded", letter_id)
        return deleted

    async def redrive_matching(self, selection: Selection, limit: int | None = None) -> int:
        """Re-drive the matching letters, oldest first (so events go back in their order), at
        most `limit` of them; how many went back."""
        count = 0
        async for letters in self._matching(selection, limit):
            count += sum(moved is not None for moved in await self._move_all(letters))
        logger.warning("%d dead letters re-driven (%s)", count, selection)
        return count

    async def discard_matching(self, selection: Selection, limit: int | None = None) -> int:
        """Delete the matching letters, at most `limit` of them; how many were deleted."""
        count = 0
        async for letters in self._matching(selection, limit):
            count += int(await self._redis.xdel(self.stream, *(letter.id for letter in letters)))
        logger.warning("%d dead letters discarded (%s)", count, selection)
        return count

    async def _matching(
        self, selection: Selection, limit: int | None
    ) -> AsyncIterator[list[DeadLetter]]:
        """The matching letters, oldest first, a chunk at a time; only those buried before it
        began (an event re-driven and buried again is not taken up a second time)."""
        low, high = selection.id_range()
        if high == "+":
            newest = await self._range("+", "-", newest_first=True, count=1)
            high = newest[0].id if newest else None
        left = limit
        while left is None or left > 0:
            letters = await self._range(high, low, newest_first=False)
            if not letters:
                return
            low = _after(letters[-1].id)
            matching = [letter for letter in letters if selection.matches(letter)]
            if left is not None:
                matching = matching[:left]
                left -= len(matching)
            if matching:
                yield matching

    async def _range(
        self, high: str | None, low: str, *, newest_first: bool, count: int = _CHUNK
    ) -> list[DeadLetter]:
        """Letters with ids from `low` to `high` (inclusive), at most `count`."""
        if high is None:
            return []
        if newest_first:
            found = await self._redis.xrevrange(self.stream, high, low, count=count)
        else:
            found = await self._redis.xrange(self.stream, low, high, count=count)
        return [_letter(letter_id, fields) for letter_id, fields in found or [] if fields]

    async def _move_all(self, letters: list[DeadLetter]) -> list[str | None]:
        args: list[bytes | str] = []
        for letter in letters:
            fields = await _entry_fields(letter)
            fields.pop(SEQUENCE_FIELD.encode(), None)  # numbered anew as it is appended
            items = [part for field in fields.items() for part in field]
            args += [letter.id, str(len(items)), *items]
        keys = [self.stream, self._events_stream, appended_count_key(self._events_stream)]
        moved = await self._move(keys=keys, args=args)
        return [None if entry is None else reply_text(entry) for entry in moved]


async def _entry_fields(letter: DeadLetter) -> dict[bytes, bytes]:
    """What to append to the events stream: the entry as it was, else the event in FastStream's
    message format (for letters buried before entries were kept)."""
    if letter.entry:
        return dict(letter.entry)
    event = letter.event
    event_id = event.get("event_id") if isinstance(event, dict) else None
    data = json.dumps(event, ensure_ascii=False).encode()
    return {DATA_FIELD.encode(): frame(str(event_id or uuid.uuid4()), data)}


def _letter(letter_id: Any, fields: Mapping[Any, Any]) -> DeadLetter:
    entry = {
        _bytes(key)[len(_ENTRY_PREFIX) :]: _bytes(value)
        for key, value in fields.items()
        if _bytes(key).startswith(_ENTRY_PREFIX)
    }
    text = {
        reply_text(key): reply_text(value)
        for key, value in fields.items()
        if not _bytes(key).startswith(_ENTRY_PREFIX)
    }
    return DeadLetter(
        id=reply_text(letter_id),
        entry_id=text["entry_id"],
        reason=text["reason"],
        failed_at=datetime.fromisoformat(text["failed_at"]),
        event=json.loads(text["event"]),
        entry=entry,
    )


def _before(letter_id: str) -> str | None:
    """The greatest stream id below this one; None below `0-0`."""
    before = EntryId.parse(letter_id).before()
    return None if before is None else str(before)


def _after(letter_id: str) -> str:
    return str(EntryId.parse(letter_id).after())


def _bytes(value: bytes | str) -> bytes:
    return value if isinstance(value, bytes) else value.encode()

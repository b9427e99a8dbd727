"""Group commit: the appends of concurrent requests reach Redis together, in one atomic script.

While one script call is in flight, new appends wait in a bounded queue; the next call carries
all of them, so Redis writes (and, with `appendfsync always`, syncs) once for the whole group.
Each request still waits for its own confirmation, a failed call fails exactly the requests it
carried, and one call at a time keeps the stream in arrival order.

The script also settles idempotency: an append that names a record key is skipped when the key
already has a record (the caller decides what that record means), else the entry and the record
are written together. Checking and writing in one script leaves no window between the two, so
two requests with the same key can never both append.

Before writing, the script refuses the whole call when `max_stream_length` events wait to be
applied (the backlog, by the rule in `tracker_contracts._backlog`), and Redis refuses it
when at `maxmemory`: either way nothing of it is written, and its requests are answered 503.
"""

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from redis.asyncio import Redis
from redis.exceptions import OutOfMemoryError, RedisError, ResponseError

from tracker_contracts import (
    BACKLOG_FUNCTIONS,
    DATA_FIELD,
    SEQUENCE_FIELD,
    appended_count_key,
    reply_text,
)

logger = logging.getLogger(__name__)

# KEYS[1] the stream, KEYS[2] how many entries this script ever appended to it, KEYS[3..]
# idempotency records: all in the stream's Redis Cluster slot (`stream_key`). ARGV[1] most
# unapplied entries the stream may hold, ARGV[2] the records' lifetime in seconds, then three
# values per append: the index in KEYS of its record (0: none), the record to write, the stream
# entry. Returns nil when the backlog is full (nothing written), else {position, record, ...}
# for each append (counted from 1) that found a record and was skipped: a short reply when, as
# usual, every append went in.
#
# Before writing, the whole call is refused when the largest backlog of a consumer group (see
# `tracker_contracts._backlog`, capped by XLEN and taken to be XLEN when not known) reaches
# ARGV[1]. It is worked out only when XLEN reaches the bound: below it, the backlog is too.
_APPEND_SCRIPT = (
    BACKLOG_FUNCTIONS
    + f"""
local function backlog(length)
  local groups = redis.call('XINFO', 'GROUPS', KEYS[1])
  if #groups == 0 then
    return length  -- a group created later starts at the beginning: every entry waits
  end
  local appended = tonumber(redis.call('GET', KEYS[2]) or '0')
  local newest = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)[1][1]
  local most = 0
  for _, group in ipairs(groups) do
    local waiting = group_backlog(group, newest, appended)
    if not waiting then
      return length
    end
    most = math.max(most, waiting)
  end
  return math.min(most, length)
end

local length = redis.call('XLEN', KEYS[1])
if length >= tonumber(ARGV[1]) and backlog(length) >= tonumber(ARGV[1]) then
  return false
end
local skipped = {{}}
local sequence = tonumber(redis.call('GET', KEYS[2]) or '0')
local appended = sequence
for i = 3, #ARGV, 3 do
  local key = tonumber(ARGV[i])
  local existing = false
  if key > 0 then
    existing = redis.call('GET', KEYS[key])
  end
  if existing then
    skipped[#skipped + 1] = (i - 3) / 3 + 1
    skipped[#skipped + 1] = existing
  else
    -- The first write: when Redis is at maxmemory it is refused, and nothing is written.
    sequence = sequence + 1
    redis.call('XADD', KEYS[1], '*',
      '{DATA_FIELD}', ARGV[i + 2], '{SEQUENCE_FIELD}', sequence)
    if key > 0 then
      redis.call('SET', KEYS[key], ARGV[i + 1], 'EX', ARGV[2])
    end
  end
end
if sequence > appended then
  redis.call('SET', KEYS[2], sequence)
end
return skipped
"""
)


class EventStreamUnavailable(Exception):
    """Redis did not confirm the append in time; the events may or may not be stored."""


class EventStreamFull(Exception):
    """The stream holds more unapplied events than allowed; new ones wait."""


class RedisOutOfMemory(Exception):
    """Redis is at its `maxmemory` and refuses writes; nothing of the append was written."""


class WriteQueueFull(Exception):
    """More events are waiting for Redis in this process than it queues."""


NOT_WRITTEN = (EventStreamUnavailable, EventStreamFull, WriteQueueFull, RedisOutOfMemory)
"""The refusals of a write of which nothing was written: each answered 503, to be retried."""


@dataclass(frozen=True)
class Append:
    entry: bytes
    record_key: str | None = None
    record: str = ""
    """Written under `record_key` with the entry, unless the key already has a record."""


@dataclass(frozen=True)
class Appended:
    """The entry is on the stream (and its record, if it named a key, written)."""


APPENDED = Appended()


@dataclass(frozen=True)
class AlreadyRecorded:
    """The record key had this record already: nothing was appended."""

    record: str


Outcome = Appended | AlreadyRecorded


@dataclass
class _Waiting:
    appends: Sequence[Append]
    answer: asyncio.Future[list[Outcome]] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )


class GroupCommit:
    def __init__(
        self,
        redis: Redis,
        stream: str,
        *,
        max_stream_length: int,
        record_ttl_seconds: int,
        queue_limit: int,
        timeout_seconds: float,
    ) -> None:
        self._redis = redis
        self._stream = stream
        self._max_stream_length = max_stream_length
        self._record_ttl_seconds = record_ttl_seconds
        self._queue_limit = queue_limit
        self._timeout_seconds = timeout_seconds
        self._script = redis.register_script(_APPEND_SCRIPT)
        self._queue: list[_Waiting] = []
        self._queued_events = 0
        self._sender: asyncio.Task[None] | None = None

    async def append(self, appends: Sequence[Append]) -> list[Outcome]:
        """Append in order once Redis confirms; one outcome per append."""
        if self._queued_events + len(appends) > self._queue_limit:
            raise WriteQueueFull
        waiting = _Waiting(appends)
        self._queue.append(waiting)
        self._queued_events += len(appends)
        if self._sender is None:
            self._sender = asyncio.create_task(self._send_while_queued())
        return await waiting.answer

    async def close(self) -> None:
        if self._sender is not None:
            await self._sender

    async def _send_while_queued(self) -> None:
        try:
            while self._queue:
                group, self._queue, self._queued_events = self._queue, [], 0
                # A request that gave up (timeout, client gone) was answered without its events
                # being stored; sending them now would store what nobody was told about.
                group = [waiting for waiting in group if not waiting.answer.done()]
                if group:
                    await self._send(group)
        finally:
            self._sender = None

    async def _send(self, group: list[_Waiting]) -> None:
        try:
            async with asyncio.timeout(self._timeout_seconds):
                outcomes = await self._run_script([a for w in group for a in w.appends])
        except (RedisError, OSError, TimeoutError) as error:
            if _is_out_of_memory(error):
                _fail(group, RedisOutOfMemory)
                return
            reason = str(error) or type(error).__name__
            _fail(group, lambda: EventStreamUnavailable(reason))
            return
        except Exception as error:  # a bug: answer every waiting request, then report it
            logger.exception("appending to the event stream failed")
            bug = error
            _fail(group, lambda: bug)
            return
        if outcomes is None:
            _fail(group, EventStreamFull)
            return
        start = 0
        for waiting in group:
            end = start + len(waiting.appends)
            if not waiting.answer.done():
                waiting.answer.set_result(outcomes[start:end])
            start = end

    async def _run_script(self, appends: list[Append]) -> list[Outcome] | None:
        keys = [self._stream, appended_count_key(self._stream)]
        args: list[str | bytes | int] = [self._max_stream_length, self._record_ttl_seconds]
        for append in appends:
            if append.record_key is None:
                args += [0, "", append.entry]
            else:
                keys.append(append.record_key)
                args += [len(keys), append.record, append.entry]
        reply = await self._script(keys=keys, args=args, client=self._redis)
        if reply is None:
            return None
        outcomes: list[Outcome] = [APPENDED] * len(appends)
        for position, record in zip(reply[::2], reply[1::2], strict=True):
            outcomes[int(position) - 1] = AlreadyRecorded(reply_text(record))
        return outcomes


def _fail(group: list[_Waiting], error: Callable[[], Exception]) -> None:
    for waiting in group:
        if not waiting.answer.done():
            waiting.answer.set_exception(error())


def _is_out_of_memory(error: Exception) -> bool:
    """Redis 7 answers a script's refused write with `OOM ...`; 6.2 wraps it in a script error."""
    return isinstance(error, OutOfMemoryError) or (
        isinstance(error, ResponseError) and "OOM command not allowed" in str(error)
    )

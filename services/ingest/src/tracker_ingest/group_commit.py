"""Group commit: the appends of concurrent requests reach Redis together, in one atomic script.

While one script call is in flight, new appends wait in a bounded queue; the next call carries
all of them, so Redis writes (and, with `appendfsync always`, syncs) once for the whole group.
Each request still waits for its own confirmation, a failed call fails exactly the requests it
carried, and one call at a time keeps the stream in arrival order.

The script also settles idempotency: an append that names a record key is skipped when the key
already has a record (the caller decides what that record means), else the entry and the record
are written together. Checking and writing in one script leaves no window between the two, so
two requests with the same key can never both append.
"""

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from redis.asyncio import Redis
from redis.exceptions import RedisError

from . import stream_entry

logger = logging.getLogger(__name__)

# KEYS[1] the stream, KEYS[2..] idempotency records. ARGV[1] most entries the stream may hold,
# ARGV[2] the records' lifetime in seconds, then three values per append: the index in KEYS of
# its record (0: none), the record to write, the stream entry. Returns nil when the stream is
# full (nothing written), else {position, record, ...} for each append (counted from 1) that
# found a record and was skipped: a short reply when, as usual, every append went in.
_APPEND_SCRIPT = f"""
if redis.call('XLEN', KEYS[1]) >= tonumber(ARGV[1]) then
  return false
end
local skipped = {{}}
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
    redis.call('XADD', KEYS[1], '*', '{stream_entry.FIELD}', ARGV[i + 2])
    if key > 0 then
      redis.call('SET', KEYS[key], ARGV[i + 1], 'EX', ARGV[2])
    end
  end
end
return skipped
"""


class EventStreamUnavailable(Exception):
    """Redis did not confirm the append in time; the events may or may not be stored."""


class EventStreamFull(Exception):
    """The stream holds more unapplied events than allowed; new ones wait."""


class WriteQueueFull(Exception):
    """More events are waiting for Redis in this process than it queues."""


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
        keys = [self._stream]
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
            outcomes[int(position) - 1] = AlreadyRecorded(_text(record))
        return outcomes


def _fail(group: list[_Waiting], error: Callable[[], Exception]) -> None:
    for waiting in group:
        if not waiting.answer.done():
            waiting.answer.set_exception(error())


def _text(value: str | bytes) -> str:
    return value.decode() if isinstance(value, bytes) else value

"""Relays the event stream and the notices (stale tasks, budgets crossed) to the hub.

The stream is read with a plain XREAD loop, not a FastStream subscriber: relaying is the
service's hot path, so each entry is decoded once, on the event loop, and turned into its
message directly (what a subscriber cost instead is in docs/performance.md). The notices
channel, with a message only when a task falls silent or a budget is crossed, stays on
FastStream.

Every entry relayed is also noted in the `ReplayIndex`, which resumes look up; at start the
index is filled once with the entries already on the stream (newest first, up to its bound),
and entries the stream no longer keeps are dropped from it every `PRUNE_SECONDS`.
"""

import asyncio
import contextlib
import logging
import time
from array import array
from typing import cast

from faststream.redis import RedisBroker
from redis.asyncio import Redis
from redis.exceptions import RedisError

from tracker_contracts import AnyNotice, EntryId, notices_channel

from .hub import Hub, Notice
from .index import ReplayIndex, pack, unpack
from .settings import RealtimeSettings
from .stream import Entries, Relayed, event_in_fields

logger = logging.getLogger(__name__)

READ_COUNT = 500
READ_BLOCK_MS = 1000
"""How long one XREAD waits for new entries; also how late a stop may be noticed when the
cancellation of a read is lost in the Redis client."""
BACKFILL_PAGE = 1000
PRUNE_SECONDS = 10.0

_XReadAnswer = list[tuple[bytes, list[tuple[bytes, dict[bytes, bytes]]]]]
"""[(stream, [(entry id, fields), …])]: redis-py types it as any of its reply shapes."""


async def newest_entry_id(redis: Redis, stream: str) -> str:
    """The id of the stream's newest entry, "0-0" while it has none."""
    newest = await redis.xrevrange(stream, count=1)
    if not newest:
        return "0-0"
    entry_id = newest[0][0]
    return entry_id.decode() if isinstance(entry_id, bytes) else str(entry_id)


def create_notices_broker(settings: RealtimeSettings, hub: Hub) -> RedisBroker:
    broker = RedisBroker(
        str(settings.redis_url), socket_connect_timeout=2.0, log_level=logging.DEBUG
    )

    @broker.subscriber(channel=notices_channel(settings.events_stream))
    async def relay_notice(notice: AnyNotice) -> None:
        hub.announce(Notice(notice.data.project, notice.model_dump_json()))

    return broker


class LiveFeed:
    """Waits for Redis, then relays every entry of the event stream after the newest one at
    start (the feed is live; the database keeps history), and the notices.

    No consumer group: every replica sees every entry. A concrete id rather than `$` between
    reads, so that nothing that arrives between two reads is skipped."""

    def __init__(
        self, settings: RealtimeSettings, hub: Hub, redis: Redis, index: ReplayIndex
    ) -> None:
        self._settings = settings
        self._hub = hub
        self._redis = redis
        self._index = index
        self.broker: RedisBroker | None = None
        self._reading = False

    async def run_until(self, stop: asyncio.Event) -> None:
        after = await self._start(stop)
        if after is None:
            return
        self._index.start_at(EntryId.parse(after))
        relaying = asyncio.create_task(self._relay_until(stop, after))
        filling = asyncio.create_task(self._backfill(EntryId.parse(after)))
        await stop.wait()
        for task in (relaying, filling):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _backfill(self, through: EntryId) -> None:
        """Index the entries up to `through` (where the feed started), newest first, as many
        as the index holds; a failure leaves the index covering what the feed relayed."""
        stream, room = self._settings.events_stream, self._index.max_entries
        ids, projects = array("Q"), list[str]()  # compact while it fills: 16 bytes an entry
        names: dict[str, str] = {}
        end, floor = str(through), EntryId(0, 0)
        try:
            while len(ids) < room and (
                page := cast(
                    Entries, await self._redis.xrevrange(stream, max=end, count=BACKFILL_PAGE)
                )
            ):
                for raw_id, fields in page:
                    entry_id = EntryId.parse(raw_id)
                    if len(ids) >= room:
                        floor = entry_id
                        break
                    event = event_in_fields(fields, entry_id)
                    if event is not None and (packed := pack(entry_id)) is not None:
                        project = event.payload.project
                        ids.append(packed)
                        projects.append(names.setdefault(project, project))
                end = f"({entry_id}"
        except (RedisError, OSError) as error:
            logger.warning("could not index the stream's earlier entries: %s", error)
            return
        oldest_first = zip(map(unpack, reversed(ids)), reversed(projects), strict=True)
        self._index.add_older(oldest_first, floor)
        logger.info("indexed %d earlier stream entries for resumes", len(ids))

    async def _start(self, stop: asyncio.Event) -> str | None:
        """The id to read after, once Redis answers and the notices flow; None if stopped."""
        delay = 0.5
        while not stop.is_set():
            try:
                after = await newest_entry_id(self._redis, self._settings.events_stream)
                broker = create_notices_broker(self._settings, self._hub)
                await broker.start()
                self.broker, self._reading = broker, True
                return after
            except (RedisError, OSError) as error:
                logger.warning("event stream unavailable, retrying in %.1fs: %s", delay, error)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=delay)
                delay = min(delay * 2, 5.0)
        return None

    async def _relay_until(self, stop: asyncio.Event, after: str | bytes) -> None:
        stream = self._settings.events_stream
        delay = 0.5
        prune_at = time.monotonic() + PRUNE_SECONDS
        while not stop.is_set():
            try:
                if time.monotonic() >= prune_at:
                    await self._prune()
                    prune_at = time.monotonic() + PRUNE_SECONDS
                answer = cast(
                    _XReadAnswer,
                    await self._redis.xread({stream: after}, count=READ_COUNT, block=READ_BLOCK_MS),
                )
            except (RedisError, OSError) as error:
                self._reading = False
                logger.warning("event stream unavailable, retrying in %.1fs: %s", delay, error)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)
                continue
            self._reading, delay = True, 0.5
            for _stream, entries in answer:
                for raw_id, fields in entries:
                    self._relay(EntryId.parse(raw_id), fields)
                    after = raw_id

    async def _prune(self) -> None:
        """Drop from the index what the stream no longer keeps."""
        oldest = cast(Entries, await self._redis.xrange(self._settings.events_stream, count=1))
        if oldest:
            self._index.forget_before(EntryId.parse(oldest[0][0]))

    def _relay(self, entry_id: EntryId, fields: dict[bytes, bytes]) -> None:
        event = event_in_fields(fields, entry_id)
        if event is None:
            return
        self._index.add(entry_id, event.payload.project)
        if self._hub.is_followed(event.payload.project):
            self._hub.publish(Relayed.of(entry_id, event))
        else:  # nobody to tell: the message is not even built
            self._hub.passed(entry_id)

    @property
    def running(self) -> bool:
        return (
            self._reading
            and self.broker is not None
            and all(sub.running for sub in self.broker.subscribers)
        )

    async def stop(self) -> None:
        if self.broker is not None:
            try:
                await self.broker.stop()
            except (RedisError, OSError, ExceptionGroup) as error:
                # Unsubscribing needs Redis; without it there is nothing left to release.
                logger.warning("feed stopped without Redis: %s", error)

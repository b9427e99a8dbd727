"""The stream consumer: applies events to PostgreSQL, acknowledging each only after its commit.

Two subscribers share the consumer group. One reads new entries in batches; each batch is
applied and then acknowledged in a task of its own, one batch after the other, so that the next
batch is read and decoded while the last one is written. The other subscriber takes over entries
left unacknowledged for `claim_idle_ms` (by a consumer that crashed or froze) one at a time;
FastStream never redelivers a pending entry by itself.

Both settle their entries alike (`_settle`), on a connection pool of the consumer's own. An entry
that cannot be decoded goes to the dead letters at once. Otherwise the entries are applied in
one transaction, and when that fails the failure is the system's unless shown to be an event's:

- A failure that says the database cannot take anything now (away, read-only, out of locks or
  resources: `transient.py`) is waited out: entries stay pending, nothing counts against them,
  `/health` reports the wait, and the same entries are tried again on fresh connections.
- Any other failure is examined in one transaction. A probe first applies synthetic events
  through the same code and rolls them back (`applying.probe`); if it fails, any event would
  (a missing table or column during a deploy, a revoked permission), and that is waited out
  too. If it passes, the entries are applied in halves, each under a savepoint, down to the
  events that fail alone; the rest are committed and acknowledged, and those that fail alone
  go to the dead letters once a second probe in the same transaction has passed as well.
"""

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from faststream.middlewares import AckPolicy
from faststream.redis import RedisBroker, StreamSub
from faststream.redis.annotations import RedisBatchStreamMessage, RedisStreamMessage
from redis.asyncio import Redis
from redis.exceptions import RedisError, ResponseError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from tracker_contracts import AnyTaskEvent, decode_entries

from .applying import apply_events, probe
from .db import create_sessionmaker
from .dead_letters import DeadLetters
from .group_members import GroupMembers
from .settings import QuerySettings
from .stream_batch import keep_entries, parse_entries, parse_entry
from .stream_trim import trim_applied
from .transient import describe, is_transient

logger = logging.getLogger(__name__)

_RETRY_CAP_SECONDS = 5.0

ConsumerState = Literal["starting", "running", "waiting", "stopped"]


async def ensure_consumer_group(redis: Redis, settings: QuerySettings) -> None:
    """Create the consumer group at the stream's start, so no event published earlier is missed.

    FastStream would create it at `$` (only new entries); creating it first at `0` keeps events
    that were accepted while no consumer existed.
    """
    try:
        await redis.xgroup_create(
            settings.events_stream, settings.consumer_group, id="0", mkstream=True
        )
    except ResponseError as error:
        if "BUSYGROUP" not in str(error):
            raise


@dataclass(frozen=True)
class Entry:
    """A stream entry and the event it holds."""

    entry_id: bytes | str
    event: AnyTaskEvent


@dataclass(frozen=True)
class Waiting:
    """Why the consumer waits for the database, and since when."""

    since: datetime
    reason: str


@dataclass
class _Outcome:
    applied: Sequence[Entry]
    refused: list[tuple[Entry, BaseException]] = field(default_factory=list)
    """Entries whose events failed alone while the probe passed."""
    retry: list[Entry] = field(default_factory=list)
    retry_error: BaseException | None = None


class _DatabaseRefusesEvents(Exception):
    """The probe failed: the database would refuse any event now."""


class EventConsumer:
    def __init__(self, settings: QuerySettings, engine: AsyncEngine, redis: Redis) -> None:
        self.settings = settings
        self.redis = redis
        self.dead_letters = DeadLetters(redis, settings.events_stream, settings.consumer_group)
        self.members = GroupMembers(
            redis,
            settings.events_stream,
            settings.consumer_group,
            (self.reader_name, self.reclaimer_name),
            settings.dead_consumer_idle_seconds,
        )
        self.waiting: Waiting | None = None
        self._engine = engine
        self._sessionmaker = create_sessionmaker(engine)
        self._stopping = asyncio.Event()
        self._applying: asyncio.Task[None] | None = None
        self.broker: RedisBroker | None = None

    @property
    def reader_name(self) -> str:
        """This process's consumer in the group for new entries."""
        return self.settings.consumer_name

    @property
    def reclaimer_name(self) -> str:
        """This process's consumer in the group for entries taken over."""
        return f"{self.settings.consumer_name}-reclaim"

    @property
    def state(self) -> ConsumerState:
        """starting, running, waiting (for the database: see `waiting`) or stopped."""
        if self.broker is None:
            return "starting"
        if not is_consuming(self.broker):
            return "stopped"
        return "waiting" if self.waiting is not None else "running"

    async def run(self) -> None:
        """Consume until `stop`: wait for Redis, restart a subscriber that stopped for good
        (its group vanished), keep the stream trimmed and the group free of departed consumers.

        Stopping goes through a flag, not task cancellation: a cancellation that lands inside a
        Redis call may be swallowed by the client."""
        delay = 0.5
        while not self._stopping.is_set():
            try:
                if self.broker is None or not is_consuming(self.broker):
                    await self._restart()
                await trim_applied(
                    self.redis, self.settings.events_stream, self.settings.stream_retention_seconds
                )
                await self.members.mark_alive()
                await self.members.remove_departed()
            except (RedisError, OSError) as error:
                logger.warning("event stream unavailable, retrying in %.1fs: %s", delay, error)
            except Exception:
                # Ending this loop would end consumption silently (it restarts stopped
                # subscribers): anything unforeseen is logged and the loop goes on.
                logger.exception("stream maintenance failed, retrying in %.1fs", delay)
            else:
                delay = 0.5
                await self._pause(self.settings.maintenance_interval_seconds)
                continue
            await self._pause(delay)
            delay = min(delay * 2, _RETRY_CAP_SECONDS)

    async def _pause(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), timeout=seconds)

    async def stop(self) -> None:
        self._stopping.set()
        if self.broker is not None:
            await self.broker.stop()
        if self._applying is not None:
            await self._applying  # the last batch read is applied and acknowledged

    async def _restart(self) -> None:
        if self.broker is not None:
            logger.error("stream subscriber stopped; recreating the consumer group and restarting")
            await self.broker.stop()
            self.broker = None
        await ensure_consumer_group(self.redis, self.settings)
        broker = self._build_broker()
        await broker.start()
        self.broker = broker

    def _build_broker(self) -> RedisBroker:
        settings = self.settings
        broker = RedisBroker(
            str(settings.redis_url), socket_connect_timeout=2.0, log_level=logging.DEBUG
        )

        @broker.subscriber(
            stream=StreamSub(
                settings.events_stream,
                group=settings.consumer_group,
                consumer=self.reader_name,
                batch=True,
                max_records=settings.apply_batch_size,
                polling_interval=1000,
            ),
            # `_settle` acknowledges; entries left pending are taken over by the reclaimer.
            ack_policy=AckPolicy.MANUAL,
            parser=parse_entries,
            decoder=keep_entries,
        )
        # `entries: Any`: the entries' fields, decoded by `_decode`, not validated by FastStream.
        async def read_new(entries: Any, message: RedisBatchStreamMessage) -> None:
            batch = await self._decode(entries, message.raw_message["message_ids"])
            # Batches are applied in the order read, so at most two are pending here at a time.
            # Shielded: a subscriber stopping while it waits must not cut the last one short.
            if self._applying is not None:
                await asyncio.shield(self._applying)
            self._applying = asyncio.create_task(self._apply_batch(batch))
            if len(entries) < settings.apply_batch_size and settings.apply_linger_ms:
                await self._pause(settings.apply_linger_ms / 1000)

        @broker.subscriber(
            stream=StreamSub(
                settings.events_stream,
                group=settings.consumer_group,
                consumer=self.reclaimer_name,
                min_idle_time=settings.claim_idle_ms,
                polling_interval=1000,
            ),
            ack_policy=AckPolicy.MANUAL,
            parser=parse_entry,
            decoder=keep_entries,
        )
        async def apply_claimed(entries: Any, message: RedisStreamMessage) -> None:
            if claimed := await self._decode(entries, message.raw_message["message_ids"]):
                await self._settle(claimed)

        return broker

    async def _decode(self, entries: Any, entry_ids: Sequence[bytes]) -> list[Entry]:
        """The entries' events (`entries`: their fields as read, one dict each); entries that
        hold no event go to the dead letters."""
        events, undecodable = decode_entries(entries)
        for entry in undecodable:
            await self.dead_letters.bury(entry_ids[entry.index], entry.body, entry.reason)
        bad = {entry.index for entry in undecodable}
        good_ids = [entry_id for i, entry_id in enumerate(entry_ids) if i not in bad]
        return [Entry(*pair) for pair in zip(good_ids, events, strict=True)]

    async def _apply_batch(self, entries: list[Entry]) -> None:
        try:
            await self._settle(entries)
        except Exception:
            logger.exception("batch of %d entries left pending", len(entries))

    async def _settle(self, entries: Sequence[Entry]) -> None:
        """Apply the entries and acknowledge them, waiting out failures of the database; set
        aside those whose events fail alone. Raises only when stopping or when Redis fails."""
        delay = 0.1
        while entries:
            try:
                outcome = await self._apply(entries)
            except Exception as error:
                if self._stopping.is_set():
                    raise
                if is_transient(error):
                    delay = await self._wait(error, delay)
                    continue
                try:
                    outcome = await self._apply_isolating(entries)
                except Exception as examined:
                    if self._stopping.is_set():
                        raise
                    delay = await self._wait(examined, delay)
                    continue
            await self._acknowledge(outcome.applied)
            for entry, refusal in outcome.refused:
                await self._bury(entry, refusal)
            entries = outcome.retry
            if outcome.retry_error is not None:
                delay = await self._wait(outcome.retry_error, delay)
        if self.waiting is not None:
            logger.warning("database takes events again (waited since %s)", self.waiting.since)
            self.waiting = None

    async def _apply(self, entries: Sequence[Entry]) -> _Outcome:
        async with self._sessionmaker() as session, session.begin():
            applied = await apply_events(session, [entry.event for entry in entries])
        logger.debug("applied %d of %d events", applied, len(entries))
        return _Outcome(applied=entries)

    async def _apply_isolating(self, entries: Sequence[Entry]) -> _Outcome:
        """In one transaction: probe, apply what applies, and tell which events fail alone."""
        async with self._sessionmaker() as session, session.begin():
            await self._probe(session)
            failures = await self._failing_alone(session, entries, known_to_fail=len(entries) > 1)
            if not failures:
                return _Outcome(applied=entries)
            failed = {id(entry) for entry, _ in failures}
            applied = [entry for entry in entries if id(entry) not in failed]
            try:
                await self._probe(session)
            except _DatabaseRefusesEvents as refusal:
                # The database changed meanwhile: whose fault it was is not known.
                retry = [entry for entry, _ in failures]
                return _Outcome(applied=applied, retry=retry, retry_error=refusal)
            return _Outcome(applied=applied, refused=failures)

    async def _probe(self, session: AsyncSession) -> None:
        try:
            await probe(session)
        except Exception as error:
            raise _DatabaseRefusesEvents(describe(error)) from error

    async def _failing_alone(
        self, session: AsyncSession, entries: Sequence[Entry], *, known_to_fail: bool
    ) -> list[tuple[Entry, BaseException]]:
        """Apply the entries under a savepoint; if that fails, each half the same way, down to
        the events that fail on their own. A failure of the database is raised, not split."""
        if not known_to_fail:
            try:
                async with session.begin_nested():
                    await apply_events(session, [entry.event for entry in entries])
                return []
            except Exception as error:
                if is_transient(error):
                    raise
                if len(entries) == 1:
                    return [(entries[0], error)]
        middle = len(entries) // 2
        return await self._failing_alone(
            session, entries[:middle], known_to_fail=False
        ) + await self._failing_alone(session, entries[middle:], known_to_fail=False)

    async def _wait(self, error: BaseException, delay: float) -> float:
        """Report the wait, drop pooled connections (they may hold the old state: read-only,
        stale statements) and pause; return the next pause."""
        reason = describe(error)
        if self.waiting is None:
            self.waiting = Waiting(since=datetime.now(UTC), reason=reason)
        else:
            self.waiting = Waiting(since=self.waiting.since, reason=reason)
        logger.warning("database cannot take events, retrying in %.1fs: %s", delay, reason)
        await self._engine.dispose()
        await self._pause(delay)
        return min(delay * 2, _RETRY_CAP_SECONDS)

    async def _acknowledge(self, entries: Sequence[Entry]) -> None:
        if entries:
            await self.redis.xack(
                self.settings.events_stream,
                self.settings.consumer_group,
                *(entry.entry_id for entry in entries),
            )

    async def _bury(self, entry: Entry, error: BaseException) -> None:
        """Set the entry aside, unless it was settled meanwhile (another consumer took it over
        while this one waited, and applied or set it aside already)."""
        pending = await self.redis.xpending_range(
            self.settings.events_stream,
            self.settings.consumer_group,
            min=entry.entry_id,
            max=entry.entry_id,
            count=1,
        )
        if pending:
            body = entry.event.model_dump(mode="json", exclude_none=True)
            await self.dead_letters.bury(entry.entry_id, body, describe(error))


def is_consuming(broker: RedisBroker) -> bool:
    """True while every stream subscriber reads (one stops for good if its group vanishes)."""
    return bool(broker.subscribers) and all(sub.running for sub in broker.subscribers)

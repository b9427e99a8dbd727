"""The stream consumer: applies events to PostgreSQL, acknowledging each only after its commit.

Two subscribers share the consumer group. One reads new entries in batches; each batch is
applied and then acknowledged in a task of its own, one batch after the other, so that the next
batch is read and decoded while the last one is written. The other subscriber takes
over entries left unacknowledged for `claim_idle_ms` (by a consumer that crashed, froze, or
failed on them) one at a time; FastStream never redelivers a pending entry by itself. An entry
that cannot be decoded, or fails `max_deliveries` times for a reason other than the database
being away, goes to the dead letters. While the database is away, applying waits and retries:
entries stay pending and are applied once it returns.
"""

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from typing import Any

from faststream.middlewares import AckPolicy
from faststream.redis import RedisBroker, StreamSub
from faststream.redis.annotations import RedisBatchStreamMessage, RedisStreamMessage
from pydantic import TypeAdapter, ValidationError
from redis.asyncio import Redis
from redis.exceptions import RedisError, ResponseError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tracker_contracts import AnyTaskEvent, TaskEvent

from .applying import apply_events
from .dead_letters import DeadLetters
from .settings import QuerySettings
from .stream_batch import decode_events, keep_entries, parse_entries
from .stream_trim import trim_applied
from .transient import is_transient

logger = logging.getLogger(__name__)

_EVENT = TypeAdapter[AnyTaskEvent](TaskEvent)
_RETRY_CAP_SECONDS = 5.0


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


class EventConsumer:
    def __init__(
        self,
        settings: QuerySettings,
        sessionmaker: async_sessionmaker[AsyncSession],
        redis: Redis,
    ) -> None:
        self.settings = settings
        self.redis = redis
        self.dead_letters = DeadLetters(redis, settings.events_stream, settings.consumer_group)
        self._sessionmaker = sessionmaker
        self._stopping = asyncio.Event()
        self._applying: asyncio.Task[None] | None = None
        self.broker: RedisBroker | None = None

    @property
    def state(self) -> str:
        if self.broker is None:
            return "starting"
        return "running" if is_consuming(self.broker) else "stopped"

    async def run(self) -> None:
        """Consume until `stop`: wait for Redis, restart a subscriber that stopped for good
        (its group vanished), and keep the stream trimmed.

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
                delay = 0.5
                await self._pause(self.settings.maintenance_interval_seconds)
            except (RedisError, OSError) as error:
                logger.warning("event stream unavailable, retrying in %.1fs: %s", delay, error)
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
                consumer=settings.consumer_name,
                batch=True,
                max_records=settings.apply_batch_size,
                polling_interval=1000,
            ),
            # `_apply_batch` acknowledges; entries it cannot apply stay pending for the reclaimer.
            ack_policy=AckPolicy.MANUAL,
            parser=parse_entries,
            decoder=keep_entries,
        )
        async def read_new(entries: list[bytes], message: RedisBatchStreamMessage) -> None:
            events, undecodable = decode_events(entries)
            entry_ids = message.raw_message["message_ids"]
            for entry in undecodable:
                await self.dead_letters.bury(entry_ids[entry.index], entry.body, entry.reason)
            bad = {entry.index for entry in undecodable}
            good_ids = [entry_id for i, entry_id in enumerate(entry_ids) if i not in bad]
            # Batches are applied in the order read, so at most two are pending here at a time.
            # Shielded: a subscriber stopping while it waits must not cut the last one short.
            if self._applying is not None:
                await asyncio.shield(self._applying)
            self._applying = asyncio.create_task(self._apply_batch(events, good_ids))
            if len(entries) < settings.apply_batch_size and settings.apply_linger_ms:
                await self._pause(settings.apply_linger_ms / 1000)

        @broker.subscriber(
            stream=StreamSub(
                settings.events_stream,
                group=settings.consumer_group,
                consumer=f"{settings.consumer_name}-reclaim",
                min_idle_time=settings.claim_idle_ms,
                polling_interval=1000,
            ),
            ack_policy=AckPolicy.NACK_ON_ERROR,
        )
        async def apply_claimed(body: Any, message: RedisStreamMessage) -> None:
            entry_id = message.raw_message["message_ids"][0]
            try:
                await self._apply_once([_EVENT.validate_python(body)])
            except ValidationError as error:
                await self.dead_letters.bury(entry_id, body, f"not a valid event: {error}")
            except Exception as error:
                if is_transient(error):
                    raise
                if await message.get_delivery_count() < settings.max_deliveries:
                    raise
                await self.dead_letters.bury(entry_id, body, f"{type(error).__name__}: {error}")

        return broker

    async def _apply_batch(self, events: list[AnyTaskEvent], entry_ids: list[bytes]) -> None:
        """Apply a batch and acknowledge its entries after the commit."""
        try:
            await self._apply_until_done(events)
            if entry_ids:
                await self.redis.xack(
                    self.settings.events_stream, self.settings.consumer_group, *entry_ids
                )
        except Exception:
            logger.exception("batch of %d entries left pending", len(entry_ids))

    async def _apply_once(self, events: Sequence[AnyTaskEvent]) -> None:
        async with self._sessionmaker() as session, session.begin():
            applied = await apply_events(session, events)
        logger.debug("applied %d of %d events", applied, len(events))

    async def _apply_until_done(self, events: Sequence[AnyTaskEvent]) -> None:
        """Apply, waiting out database outages; other failures leave the batch pending."""
        delay = 0.1
        while True:
            try:
                await self._apply_once(events)
                return
            except Exception as error:
                if not is_transient(error) or self._stopping.is_set():
                    raise
                logger.warning("database unavailable, retrying in %.1fs: %s", delay, error)
                await self._pause(delay)
                delay = min(delay * 2, _RETRY_CAP_SECONDS)


def is_consuming(broker: RedisBroker) -> bool:
    """True while every stream subscriber reads (one stops for good if its group vanishes)."""
    return bool(broker.subscribers) and all(sub.running for sub in broker.subscribers)

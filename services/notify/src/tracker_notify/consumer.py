"""Reads the events stream and the notices stream in the consumer group `notify`.

For each stream two FastStream subscribers share the group: one reads new entries in batches,
the other takes over, one at a time, entries left unacknowledged for `claim_idle_ms` by a
consumer that crashed (FastStream never redelivers a pending entry by itself). A batch is
handled in one transaction and acknowledged only after its commit; handling is idempotent
(incidents are keyed), so an entry read twice changes nothing. An entry whose handling fails
stays pending and is taken over later; an entry that holds no event or notice is logged and
acknowledged (it can never be handled).

The groups are created at `$` when missing: notifications begin with what arrives after the
service first started, not with the history the streams still hold.
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from faststream.message import StreamMessage
from faststream.middlewares import AckPolicy
from faststream.redis import RedisBroker, StreamSub
from faststream.redis.annotations import RedisBatchStreamMessage, RedisStreamMessage
from redis.asyncio import Redis
from redis.exceptions import RedisError, ResponseError

from .pausing import pause
from .settings import NotifySettings

logger = logging.getLogger(__name__)

Entries = Sequence[Mapping[bytes, bytes]]
Handle = Callable[[Entries], Awaitable[None]]
"""Handles a batch of entries' fields in one committed transaction, or raises."""

BATCH_SIZE = 100
_Parse = Callable[[dict[str, Any]], Awaitable[StreamMessage[Any]]]


async def _parse_entries(raw: dict[str, Any], parse: _Parse) -> StreamMessage[Any]:
    message = await parse({**raw, "data": []})
    message.body = raw["data"]
    return message


async def _parse_entry(raw: dict[str, Any], parse: _Parse) -> StreamMessage[Any]:
    message = await parse({**raw, "data": {}})
    message.body = [raw["data"]]
    return message


async def _keep(message: StreamMessage[Any]) -> Any:
    return message.body


async def ensure_group(redis: Redis, stream: str, group: str) -> None:
    try:
        await redis.xgroup_create(stream, group, id="$", mkstream=True)
    except ResponseError as error:
        if "BUSYGROUP" not in str(error):
            raise


class GroupConsumer:
    """The subscribers of the group on each `(stream, handle)`, restarted if they stop (their
    group vanished)."""

    def __init__(
        self, settings: NotifySettings, redis: Redis, streams: Sequence[tuple[str, Handle]]
    ) -> None:
        self.settings = settings
        self.redis = redis
        self.streams = streams
        self.broker: RedisBroker | None = None

    @property
    def consuming(self) -> bool:
        broker = self.broker
        return broker is not None and all(sub.running for sub in broker.subscribers)

    async def run(self, stop: asyncio.Event) -> None:
        """Start the subscribers, and start them again whenever they stopped, until `stop`."""
        while not stop.is_set():
            try:
                if not self.consuming:
                    await self._restart()
            except (RedisError, OSError) as error:
                logger.warning("streams unavailable, retrying: %s", error)
            await pause(stop, 2.0)

    async def stop(self) -> None:
        if self.broker is not None:
            await self.broker.stop()

    async def _restart(self) -> None:
        if self.broker is not None:
            logger.error("stream subscribers stopped; recreating the groups and restarting")
            await self.broker.stop()
            self.broker = None
        for stream, _ in self.streams:
            await ensure_group(self.redis, stream, self.settings.consumer_group)
        broker = RedisBroker(
            str(self.settings.redis_url), socket_connect_timeout=2.0, log_level=logging.DEBUG
        )
        for stream, handle in self.streams:
            self._subscribe(broker, stream, handle)
        await broker.start()
        self.broker = broker

    def _subscribe(self, broker: RedisBroker, stream: str, handle: Handle) -> None:
        settings = self.settings
        name = settings.consumer_name

        async def settle(entries: Entries, ids: Sequence[bytes]) -> None:
            try:
                await handle(entries)
            except Exception:
                logger.exception("%d entries of %s left pending", len(ids), stream)
                return
            await self.redis.xack(stream, settings.consumer_group, *ids)

        @broker.subscriber(
            stream=StreamSub(
                stream,
                group=settings.consumer_group,
                consumer=name,
                batch=True,
                max_records=BATCH_SIZE,
                polling_interval=500,
            ),
            ack_policy=AckPolicy.MANUAL,
            parser=_parse_entries,
            decoder=_keep,
        )
        async def read_new(entries: Any, message: RedisBatchStreamMessage) -> None:
            await settle(entries, message.raw_message["message_ids"])

        @broker.subscriber(
            stream=StreamSub(
                stream,
                group=settings.consumer_group,
                consumer=f"{name}-reclaim",
                min_idle_time=settings.claim_idle_ms,
                polling_interval=1000,
            ),
            ack_policy=AckPolicy.MANUAL,
            parser=_parse_entry,
            decoder=_keep,
        )
        async def take_over(entries: Any, message: RedisStreamMessage) -> None:
            await settle(entries, message.raw_message["message_ids"])

"""Turns stream events into WebSocket messages for the hub."""

import asyncio
import contextlib
import logging
from typing import Any

from faststream.redis import RedisBroker, StreamSub
from faststream.redis.annotations import RedisBatchStreamMessage
from redis.asyncio import Redis
from redis.exceptions import RedisError

from tracker_contracts import TaskStaleMessage, notices_channel

from .hub import Hub, Notice
from .settings import RealtimeSettings
from .stream import EntryId, Relayed, event_in

logger = logging.getLogger(__name__)


async def newest_entry_id(redis: Redis, stream: str) -> str:
    """The id of the stream's newest entry, "0-0" while it has none."""
    newest = await redis.xrevrange(stream, count=1)
    if not newest:
        return "0-0"
    entry_id = newest[0][0]
    return entry_id.decode() if isinstance(entry_id, bytes) else str(entry_id)


def create_feed(settings: RealtimeSettings, hub: Hub, after_id: str) -> RedisBroker:
    """A broker reading the event stream without a consumer group, so every replica sees all.

    It reads the entries after `after_id` (the newest one at start: the feed is live, the
    database keeps history). A concrete id rather than `$` matters: `$` re-read after an
    empty poll would skip whatever arrived between two polls.
    """
    broker = RedisBroker(
        str(settings.redis_url), socket_connect_timeout=2.0, log_level=logging.DEBUG
    )

    @broker.subscriber(
        stream=StreamSub(
            settings.events_stream,
            batch=True,
            max_records=500,
            polling_interval=1000,
            last_id=after_id,
        )
    )
    async def relay(bodies: list[Any], message: RedisBatchStreamMessage) -> None:
        for raw_id, body in zip(message.raw_message["message_ids"], bodies, strict=True):
            entry_id = EntryId.parse(raw_id)
            if (event := event_in(body, entry_id)) is not None:
                hub.publish(Relayed.of(entry_id, event))

    @broker.subscriber(channel=notices_channel(settings.events_stream))
    async def relay_notice(notice: TaskStaleMessage) -> None:
        hub.announce(Notice(notice.data.project, notice.model_dump_json()))

    return broker


class LiveFeed:
    """Keeps a feed reading: waits for Redis at start, then leaves retries to the broker."""

    def __init__(self, settings: RealtimeSettings, hub: Hub, redis: Redis) -> None:
        self._settings = settings
        self._hub = hub
        self._redis = redis
        self.broker: RedisBroker | None = None

    async def run_until(self, stop: asyncio.Event) -> None:
        delay = 0.5
        while self.broker is None and not stop.is_set():
            try:
                after = await newest_entry_id(self._redis, self._settings.events_stream)
                broker = create_feed(self._settings, self._hub, after)
                await broker.start()
                self.broker = broker
            except (RedisError, OSError) as error:
                logger.warning("event stream unavailable, retrying in %.1fs: %s", delay, error)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=delay)
                delay = min(delay * 2, 5.0)

    @property
    def running(self) -> bool:
        return self.broker is not None and all(sub.running for sub in self.broker.subscribers)

    async def stop(self) -> None:
        if self.broker is not None:
            try:
                await self.broker.stop()
            except (RedisError, OSError, ExceptionGroup) as error:
                # Unsubscribing needs Redis; without it there is nothing left to release.
                logger.warning("feed stopped without Redis: %s", error)

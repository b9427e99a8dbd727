"""Turns stream events into WebSocket messages for the hub."""

import logging

from faststream.redis import RedisBroker, StreamSub
from redis.asyncio import Redis

from tracker_contracts import TaskEvent, live_message

from .hub import Hub
from .settings import RealtimeSettings

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
    async def relay(events: list[TaskEvent]) -> None:
        for event in events:
            hub.publish(event.payload.project, live_message(event).model_dump_json())

    return broker

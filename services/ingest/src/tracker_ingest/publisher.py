"""Appends accepted webhooks to the event stream."""

import asyncio
from uuid import UUID

from faststream.redis import RedisBroker
from redis.exceptions import RedisError

from tracker_contracts import Webhook, envelop


class EventStreamUnavailable(Exception):
    """Redis did not confirm the append in time; the event may or may not be stored."""


class EventPublisher:
    def __init__(self, broker: RedisBroker, stream: str, maxlen: int, timeout: float) -> None:
        self._broker = broker
        self._stream = stream
        self._maxlen = maxlen
        self._timeout = timeout

    async def publish(self, webhook: Webhook) -> UUID:
        """Put the webhook on the stream and return its event id once Redis has accepted it."""
        event = envelop(webhook)
        try:
            async with asyncio.timeout(self._timeout):
                await self._broker.publish(event, stream=self._stream, maxlen=self._maxlen)
        except (RedisError, OSError, TimeoutError) as error:
            raise EventStreamUnavailable(str(error) or type(error).__name__) from error
        return event.event_id

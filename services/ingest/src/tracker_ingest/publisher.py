"""Appends accepted webhooks to the event stream, once per idempotency key."""

import asyncio
import logging
import math
import time
from dataclasses import dataclass
from uuid import UUID

from faststream.redis import RedisBroker
from redis.asyncio import Redis
from redis.exceptions import RedisError

from tracker_contracts import AnyTaskEvent, Webhook, envelop

from .idempotency import Claim, Record, answer_to_retry, claim_for
from .settings import IngestSettings

logger = logging.getLogger(__name__)


class EventStreamUnavailable(Exception):
    """Redis did not confirm the append in time; the event may or may not be stored."""


class EventStreamFull(Exception):
    """The stream holds more unapplied events than allowed; new ones wait."""


@dataclass(frozen=True)
class Acceptance:
    event_id: UUID
    replayed: bool


class EventPublisher:
    def __init__(self, broker: RedisBroker, redis: Redis, settings: IngestSettings) -> None:
        self._broker = broker
        self._redis = redis
        self._settings = settings
        self._stream_length = 0
        self._length_read_at = -math.inf

    async def publish(self, webhook: Webhook, idempotency_key: str | None) -> Acceptance:
        """Put the webhook on the stream once Redis has it; a retry gets the first answer."""
        claim = claim_for(webhook, idempotency_key)
        if claim is not None:
            webhook = webhook.model_copy(update={"event_id": claim.event_id})
        event = envelop(webhook)
        try:
            async with asyncio.timeout(self._settings.redis_timeout_seconds):
                if claim is not None and (replay := await self._claim(claim)) is not None:
                    return Acceptance(replay, replayed=True)
                if await self._stream_is_full():
                    if claim is not None:
                        await self._release(claim)
                    raise EventStreamFull
                await self._append(event, claim)
        except (RedisError, OSError, TimeoutError) as error:
            # Whether the append happened is unknown, so the key stays "pending" until it
            # expires: a retry meanwhile gets 409, and afterwards finds "done" or starts afresh.
            raise EventStreamUnavailable(str(error) or type(error).__name__) from error
        return Acceptance(event.event_id, replayed=False)

    async def _claim(self, claim: Claim) -> UUID | None:
        """Mark the key as in flight; for a key seen before, the event id to answer with."""
        pending = Record("pending", claim.fingerprint, claim.event_id)
        key = self._record_key(claim)
        ttl = self._settings.idempotency_pending_seconds
        if await self._redis.set(key, pending.dump(), nx=True, ex=ttl):
            return None
        existing = await self._redis.get(key)
        if existing is None:  # expired in between: treat as new
            await self._redis.set(key, pending.dump(), ex=ttl)
            return None
        return answer_to_retry(claim, Record.load(existing))

    async def _append(self, event: AnyTaskEvent, claim: Claim | None) -> None:
        """Append the event and, in the same transaction, record the key as done."""
        async with self._redis.pipeline(transaction=True) as pipe:
            await self._broker.publish(event, stream=self._settings.events_stream, pipeline=pipe)
            if claim is not None:
                done = Record("done", claim.fingerprint, event.event_id)
                pipe.set(
                    self._record_key(claim), done.dump(), ex=self._settings.idempotency_ttl_seconds
                )
            await pipe.execute()

    async def _release(self, claim: Claim) -> None:
        await self._redis.delete(self._record_key(claim))

    def _record_key(self, claim: Claim) -> str:
        return f"{self._settings.events_stream}:idempotency:{claim.key}"

    async def _stream_is_full(self) -> bool:
        """Whether the stream holds too many entries; its length is re-read at most every
        `stream_length_refresh_seconds`, so shedding costs no round trip per request."""
        now = time.monotonic()
        if now - self._length_read_at >= self._settings.stream_length_refresh_seconds:
            self._stream_length = int(await self._redis.xlen(self._settings.events_stream))
            self._length_read_at = now
        return self._stream_length >= self._settings.stream_max_length

"""The stream consumer: applies events to PostgreSQL and acknowledges them only after commit."""

import logging

from faststream.middlewares import AckPolicy
from faststream.redis import RedisBroker, StreamSub
from redis.asyncio import Redis
from redis.exceptions import ResponseError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tracker_contracts import TaskEvent

from .applying import apply_events
from .settings import QuerySettings

logger = logging.getLogger(__name__)


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


def create_consumer(
    settings: QuerySettings, sessionmaker: async_sessionmaker[AsyncSession]
) -> RedisBroker:
    """A broker with two subscribers on the event stream, both in the query consumer group.

    The first reads new entries in batches. The second takes over entries another consumer
    left unacknowledged for longer than `claim_idle_ms` (a crash or a failed batch) — FastStream
    never redelivers a pending entry by itself.
    """
    broker = RedisBroker(
        str(settings.redis_url), socket_connect_timeout=2.0, log_level=logging.DEBUG
    )

    async def apply(events: list[TaskEvent]) -> None:
        async with sessionmaker() as session, session.begin():
            new = await apply_events(session, events)
        logger.debug("applied %d of %d events", new, len(events))

    broker.subscriber(
        stream=StreamSub(
            settings.events_stream,
            group=settings.consumer_group,
            consumer=settings.consumer_name,
            batch=True,
            max_records=settings.apply_batch_size,
            polling_interval=1000,
        ),
        ack_policy=AckPolicy.NACK_ON_ERROR,
    )(apply)
    broker.subscriber(
        stream=StreamSub(
            settings.events_stream,
            group=settings.consumer_group,
            consumer=f"{settings.consumer_name}-reclaim",
            batch=True,
            min_idle_time=settings.claim_idle_ms,
            polling_interval=1000,
        ),
        ack_policy=AckPolicy.NACK_ON_ERROR,
    )(apply)
    return broker


def is_consuming(broker: RedisBroker) -> bool:
    """True while every stream subscriber reads (one stops for good if its group vanishes)."""
    return bool(broker.subscribers) and all(sub.running for sub in broker.subscribers)

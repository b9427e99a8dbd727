"""Announcing the query service's notices (stale tasks, budgets crossed): on the notices
channel, which every realtime replica relays to live clients, and on the notices stream, which
readers in consumer groups (notifications) take each once."""

from collections.abc import Sequence

from redis.asyncio import Redis

from tracker_contracts import (
    NOTICES_STREAM_MAX_LENGTH,
    AnyNotice,
    encode_notice,
    notices_channel,
    notices_stream,
)

from .settings import QuerySettings


async def announce(
    redis: Redis,
    settings: QuerySettings,
    notices: Sequence[AnyNotice],
) -> None:
    """Publish and append every notice, in one round trip."""
    if not notices:
        return
    channel = notices_channel(settings.events_stream)
    stream = notices_stream(settings.events_stream)
    async with redis.pipeline(transaction=False) as pipe:
        for notice in notices:
            pipe.publish(channel, notice.model_dump_json())
            pipe.xadd(
                stream,
                encode_notice(notice),  # type: ignore[arg-type]
                maxlen=NOTICES_STREAM_MAX_LENGTH,
                approximate=True,
            )
        await pipe.execute()

"""An event as the stream carries it: FastStream's binary message in the `__data__` field."""

from faststream.redis import BinaryMessageFormatV1
from faststream.redis.message import DATA_KEY

from tracker_contracts import AnyTaskEvent

FIELD = DATA_KEY
"""The entry field holding the message, where FastStream subscribers look for it."""

_JSON_HEADERS = {"content-type": "application/json"}


async def encode(event: AnyTaskEvent) -> bytes:
    """The message a FastStream subscriber decodes back into `event`, exactly as if
    `broker.publish(event)` had sent it (its correlation id is the event id)."""
    return await BinaryMessageFormatV1.encode(
        message=event.model_dump_json().encode(),
        reply_to=None,
        headers=_JSON_HEADERS,
        correlation_id=str(event.event_id),
    )

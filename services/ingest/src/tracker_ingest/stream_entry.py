"""An event as the stream carries it: FastStream's binary message in the `__data__` field."""

from faststream.redis import BinaryMessageFormatV1
from faststream.redis.message import DATA_KEY

from tracker_contracts import AnyTaskEvent

FIELD = DATA_KEY
"""The entry field holding the message, where FastStream subscribers look for it."""

_JSON_HEADERS = {"content-type": "application/json"}
_PLACEHOLDER_ID = "00000000-0000-0000-0000-000000000000"
_framing: tuple[bytes, bytes] | None = None


async def encode(event: AnyTaskEvent) -> bytes:
    """The message a FastStream subscriber decodes back into `event`, exactly as if
    `broker.publish(event)` had sent it (its correlation id is the event id)."""
    head, tail = _framing or await _learn_framing()
    return b"".join((head, str(event.event_id).encode(), tail, event.model_dump_json().encode()))


async def _learn_framing() -> tuple[bytes, bytes]:
    """What FastStream writes around an event id and the data.

    Its encoder costs more than serialising the event, yet with the same headers and an id of
    fixed length only those two parts change: FastStream frames one empty message once, and
    every event reuses that frame, with the event's own id and data put in."""
    global _framing
    framed = await BinaryMessageFormatV1.encode(
        message=b"", reply_to=None, headers=_JSON_HEADERS, correlation_id=_PLACEHOLDER_ID
    )
    head, tail = framed.split(_PLACEHOLDER_ID.encode())
    _framing = (head, tail)
    return _framing

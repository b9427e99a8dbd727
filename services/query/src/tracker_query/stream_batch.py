"""FastStream's parsers for the consumer's subscribers, handing entries over as Redis read them.

FastStream's own parsing decodes each entry's message, and a batch's JSON three times over;
`tracker_contracts` reads entries itself (`decode_entries`), so FastStream is only given an
empty entry to parse and the handler receives the entries' fields untouched.
"""

from collections.abc import Awaitable, Callable
from typing import Any

from faststream.message import StreamMessage

Parse = Callable[[dict[str, Any]], Awaitable[StreamMessage[Any]]]


async def parse_entries(raw: dict[str, Any], parse: Parse) -> StreamMessage[Any]:
    """A batch, whose body is the entries' fields (a list of dicts of bytes)."""
    message = await parse({**raw, "data": []})
    message.body = raw["data"]
    return message


async def parse_entry(raw: dict[str, Any], parse: Parse) -> StreamMessage[Any]:
    """One entry, whose body is its fields in a list of one, as in a batch."""
    message = await parse({**raw, "data": {}})
    message.body = [raw["data"]]
    return message


async def keep_entries(message: StreamMessage[Any]) -> Any:
    """The decoder: the handler takes the entries' fields as they are."""
    return message.body

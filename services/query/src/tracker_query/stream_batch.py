"""Batches of stream entries turned into events, with one validation for the whole batch.

FastStream's batch parser decodes each entry's JSON, encodes the list again and decodes it once
more; the events are then validated entry by entry. Here the entries' JSON texts are only cut
out of FastStream's binary envelope and validated as one array. Only a batch that fails is
taken apart to tell the bad entries from the good ones.
"""

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from faststream.message import StreamMessage
from faststream.redis import BinaryMessageFormatV1
from faststream.redis.message import bDATA_KEY
from pydantic import TypeAdapter, ValidationError

from tracker_contracts import SEQUENCE_FIELD, AnyTaskEvent, TaskEvent

_EVENT = TypeAdapter[AnyTaskEvent](TaskEvent)
_EVENTS = TypeAdapter(list[TaskEvent])


@dataclass(frozen=True)
class Undecodable:
    """An entry that is not an event, with what it holds and why it was refused."""

    index: int
    body: Any
    reason: str


async def parse_entries(
    raw: dict[str, Any], parse: Callable[[dict[str, Any]], Awaitable[StreamMessage[Any]]]
) -> StreamMessage[Any]:
    """FastStream's batch message, whose body is the entries' JSON texts (a list of bytes)."""
    message = await parse({**raw, "data": []})
    message.body = [_entry_text(entry) for entry in raw["data"]]
    return message


_SEQUENCE = SEQUENCE_FIELD.encode()


def _entry_text(entry: dict[bytes, bytes]) -> bytes:
    data = entry.get(bDATA_KEY)
    if data is None:  # not written by FastStream: its fields as JSON, as FastStream reads it
        fields = {
            key.decode(errors="replace"): value.decode(errors="replace")
            for key, value in entry.items()
            if key != _SEQUENCE  # the stream's own numbering, not the entry's content
        }
        return json.dumps(fields).encode()
    return BinaryMessageFormatV1.parse(data)[0]


async def keep_entries(message: StreamMessage[Any]) -> Any:
    """The decoder: the handler takes the entries' texts as they are."""
    return message.body


def decode_events(entries: list[bytes]) -> tuple[list[AnyTaskEvent], list[Undecodable]]:
    """The events of a batch, in order, and the entries that are not events."""
    try:
        events = _EVENTS.validate_json(b"[" + b",".join(entries) + b"]")
    except ValidationError:
        pass
    else:
        # An entry holding "a, b" would pass as two: then the count gives it away.
        if len(events) == len(entries):
            return events, []
    events, undecodable = [], []
    for index, entry in enumerate(entries):
        try:
            events.append(_EVENT.validate_json(entry))
        except ValidationError as error:
            undecodable.append(Undecodable(index, _readable(entry), f"not a valid event: {error}"))
    return events, undecodable


def _readable(entry: bytes) -> Any:
    try:
        return json.loads(entry)
    except ValueError:
        return entry.decode(errors="replace")

"""Entries of the event stream: their ids, and the WebSocket messages their events become."""

import logging
import re
from collections.abc import Mapping
from typing import Any, NamedTuple

from faststream.redis.message import bDATA_KEY
from faststream.redis.parser.binary import BinaryMessageFormatV1
from pydantic import TypeAdapter, ValidationError

from tracker_contracts import AnyTaskEvent, TaskEvent, live_message

logger = logging.getLogger(__name__)

_EVENT = TypeAdapter[AnyTaskEvent](TaskEvent)
_ENTRY_ID = re.compile(r"([0-9]{1,20})(?:-([0-9]{1,20}))?")
_LARGEST_PART = 2**64 - 1


Entries = list[tuple[bytes, dict[bytes, bytes]]]
"""[(entry id, fields), …] as XRANGE answers: redis-py types it as any of its reply shapes."""


class EntryId(NamedTuple):
    """A stream entry id, `<milliseconds>-<sequence>`, ordered as Redis orders entries."""

    milliseconds: int
    sequence: int

    @classmethod
    def parse(cls, text: str | bytes) -> "EntryId":
        """`1732530000000-0`, or `1732530000000` for `1732530000000-0`; ValueError otherwise."""
        if isinstance(text, bytes):
            text = text.decode()
        match = _ENTRY_ID.fullmatch(text)
        if match is None:
            raise ValueError(f"not a stream entry id: {text!r}")
        entry_id = cls(int(match[1]), int(match[2] or 0))
        if max(entry_id) > _LARGEST_PART:
            raise ValueError(f"not a stream entry id: {text!r}")
        return entry_id

    def __str__(self) -> str:
        return f"{self.milliseconds}-{self.sequence}"


class Relayed(NamedTuple):
    """A stream event as the WebSocket message announcing it."""

    entry_id: EntryId
    project: str
    text: str

    @classmethod
    def of(cls, entry_id: EntryId, event: AnyTaskEvent) -> "Relayed":
        message = live_message(event, str(entry_id))
        return cls(entry_id, event.payload.project, message.model_dump_json())


def event_in_fields(fields: Mapping[Any, Any], entry_id: EntryId) -> AnyTaskEvent | None:
    """The event of an entry as XREAD and XRANGE return it: a FastStream message in
    `__data__`, its body JSON; None, logged, if it is not an event."""
    try:
        body, _headers = BinaryMessageFormatV1.parse(fields.get(bDATA_KEY, b""))
        return _EVENT.validate_json(body)
    except ValidationError as error:
        logger.warning("stream entry %s is not an event: %s", entry_id, error)
        return None

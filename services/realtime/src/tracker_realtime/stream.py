"""Entries of the event stream as the live feed reads them: their events, and the WebSocket
messages those become."""

import logging
from collections.abc import Mapping
from typing import NamedTuple

from tracker_contracts import AnyTaskEvent, EntryId, NotAnEvent, decode_entry, live_message

logger = logging.getLogger(__name__)


Entries = list[tuple[bytes, dict[bytes, bytes]]]
"""[(entry id, fields), …] as XRANGE answers: redis-py types it as any of its reply shapes."""


class Relayed(NamedTuple):
    """A stream event as the WebSocket message announcing it."""

    entry_id: EntryId
    project: str
    text: str

    @classmethod
    def of(cls, entry_id: EntryId, event: AnyTaskEvent) -> "Relayed":
        message = live_message(event, str(entry_id))
        return cls(entry_id, event.payload.project, message.model_dump_json())


def event_in_fields(fields: Mapping[bytes, bytes], entry_id: EntryId) -> AnyTaskEvent | None:
    """The event of an entry as XREAD and XRANGE return it; None, logged, if it holds none."""
    try:
        return decode_entry(fields)
    except NotAnEvent as error:
        logger.warning("stream entry %s is not an event: %s", entry_id, error.reason)
        return None

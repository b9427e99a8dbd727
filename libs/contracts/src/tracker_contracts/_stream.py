"""The event stream: its names, its entry ids, and how an event is written as an entry and read
back. Everything that appends to the stream or reads it (ingest, the query consumer, the live
feed, any reader to come) does so through this module.

An entry has two fields. `__data__` holds the event as FastStream's binary message (version 1:
a fixed preamble, the headers `correlation_id` — the event id — and `content-type`, then the
event's JSON), so a FastStream subscriber with its default parser reads these entries too.
`seq` numbers the entry (see `SEQUENCE_FIELD`).

A plain module rather than a FastStream codec (a `MessageFormat` given to the broker): of the
three users only the query consumer reads through FastStream — ingest appends in its own Lua
script, the live feed reads with XREAD — so a codec would still need these functions beside it.
Apart from the event id, the frame around an event never changes, so it is built once here; and
reading only takes the JSON from the offset the frame states, without decoding its headers.
Per event that costs a third of FastStream's encoder and about half of its parser (numbers
in `docs/performance.md`, "The stream entry codec"). `tests/test_stream.py` pins the frame
byte for byte to FastStream's.
"""

import json
import re
import struct
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from pydantic import TypeAdapter, ValidationError

from ._envelope import AnyTaskEvent, TaskEvent

EVENTS_STREAM = "agent-tracker:events"
"""Default name of the Redis stream that carries every accepted event."""

QUERY_GROUP = "query"
"""Default name of the consumer group that applies events to PostgreSQL (the query service).
Every other reader that must see each event once reads in a group of its own."""

DATA_FIELD = "__data__"
"""The entry field holding the event (where FastStream subscribers look for their message)."""

SEQUENCE_FIELD = "seq"
"""The entry field with the entry's sequence number: how many entries had been appended to the
stream up to and including it, counted in `appended_count_key`. Ingest bounds the backlog with
it; readers of events ignore it. Whatever appends events besides ingest numbers them the same
way."""


def stream_key(stream: str, name: str) -> str:
    """The key `name` kept beside `stream` and written in the same Redis call as the stream.

    Redis Cluster runs a call only when all its keys hash to one slot, and hashes only a key's
    hash tag (the text between its first `{` and the next `}`) when it has one. The key's hash
    tag is therefore the stream's whole name, `{<stream>}:<name>`, which hashes as the stream's
    own name does: the key shares the stream's slot while the stream keeps its name (and its
    data). A stream named with a hash tag of its own already decides its slot by it, and its
    keys are `<stream>:<name>`. A name with a `}` but no hash tag cannot be wrapped in one.
    """
    if _hash_tag(stream) is not None:
        return f"{stream}:{name}"
    if "}" in stream:
        raise ValueError(f"stream name {stream!r}: a '}}' outside a hash tag (use {{tag}})")
    return f"{{{stream}}}:{name}"


def _hash_tag(key: str) -> str | None:
    """What Redis Cluster hashes of `key` when not the whole key: its non-empty hash tag."""
    start = key.find("{")
    end = key.find("}", start + 1) if start >= 0 else -1
    return key[start + 1 : end] if end > start + 1 else None


def appended_count_key(stream: str) -> str:
    """How many entries were ever appended to `stream`: the newest entry's sequence number."""
    return stream_key(stream, "appended")


def idempotency_record_key(stream: str, record: str) -> str:
    """The record that an idempotency key (digested as `record`) was used on `stream`."""
    return stream_key(stream, f"idem:{record}")


def dead_letters_stream(stream: str) -> str:
    """The stream where events of `stream` that cannot be applied are set aside."""
    return f"{stream}:dead-letters"


EVENT_ADAPTER: TypeAdapter[AnyTaskEvent] = TypeAdapter(TaskEvent)
"""Validates any event (`TaskEvent`); built once, for every reader."""
_EVENTS: TypeAdapter[list[AnyTaskEvent]] = TypeAdapter(list[TaskEvent])

_DATA = DATA_FIELD.encode()
_SEQUENCE = SEQUENCE_FIELD.encode()
_MAGIC = b"\x89BIN\r\n\x1a\n"
_VERSION = b"\x00\x01"
_DATA_START = struct.Struct(">I")
_DATA_START_AT = len(_MAGIC) + len(_VERSION) + 4  # after the headers' offset


def frame(event_id: str, data: bytes) -> bytes:
    """A `DATA_FIELD` value: the JSON text `data` framed as FastStream's `broker.publish` frames
    a JSON message whose correlation id is `event_id`."""
    headers = [b"correlation_id", event_id.encode(), b"content-type", b"application/json"]
    packed = b"".join(struct.pack(">H", len(text)) + text for text in headers)
    headers_start = len(_MAGIC) + len(_VERSION) + 8
    data_start = headers_start + 2 + len(packed)
    preamble = struct.pack(">IIH", headers_start, data_start, len(headers) // 2)
    return b"".join((_MAGIC, _VERSION, preamble, packed, data))


_PLACEHOLDER = "00000000-0000-0000-0000-000000000000"  # every event id has this length
_HEAD, _TAIL = frame(_PLACEHOLDER, b"").split(_PLACEHOLDER.encode())


def encode_event(event: AnyTaskEvent) -> bytes:
    """The `DATA_FIELD` value of the entry carrying `event`: `frame` of its JSON, with the
    frame around the event id built once."""
    return b"".join(
        (_HEAD, str(event.event_id).encode(), _TAIL, event.__pydantic_serializer__.to_json(event))
    )


@dataclass(frozen=True)
class Undecodable:
    """An entry that holds no event: where it was in its batch, what it holds (readable: JSON
    where it is JSON, else text) and why it was refused."""

    index: int
    body: Any
    reason: str


class NotAnEvent(ValueError):
    """The entry holds no event."""

    def __init__(self, undecodable: Undecodable) -> None:
        super().__init__(undecodable.reason)
        self.body = undecodable.body
        self.reason = undecodable.reason


def event_json(fields: Mapping[bytes, bytes]) -> bytes:
    """The JSON text of the event in an entry's fields (as XREAD, XRANGE or FastStream give
    them). An entry not framed as ours is read as FastStream reads it: an unframed `__data__`
    as the message itself, an entry without one as its fields in JSON."""
    data = fields.get(_DATA)
    if data is None:
        readable = {
            key.decode(errors="replace"): value.decode(errors="replace")
            for key, value in fields.items()
            if key != _SEQUENCE  # the stream's own numbering, not the entry's content
        }
        return json.dumps(readable).encode()
    if data.startswith(_MAGIC + _VERSION) and len(data) >= _DATA_START_AT + 4:
        [start] = _DATA_START.unpack_from(data, _DATA_START_AT)
        return data[start:]
    return data


def decode_entry(fields: Mapping[bytes, bytes]) -> AnyTaskEvent:
    """The event of one entry; `NotAnEvent` when it holds none."""
    text = event_json(fields)
    try:
        return EVENT_ADAPTER.validate_json(text)
    except ValidationError as error:
        raise NotAnEvent(_undecodable(0, text, error)) from None


def decode_entries(
    entries: Sequence[Mapping[bytes, bytes]],
) -> tuple[list[AnyTaskEvent], list[Undecodable]]:
    """The events of a batch of entries, in order, and the entries that hold none.

    A batch is validated as one JSON array; only a batch that fails is taken apart to tell the
    bad entries from the good ones."""
    texts = [event_json(fields) for fields in entries]
    try:
        events = _EVENTS.validate_json(b"[" + b",".join(texts) + b"]")
    except ValidationError:
        pass
    else:
        # An entry holding "a, b" would pass as two: then the count gives it away.
        if len(events) == len(texts):
            return events, []
    events, undecodable = [], []
    for index, text in enumerate(texts):
        try:
            events.append(EVENT_ADAPTER.validate_json(text))
        except ValidationError as error:
            undecodable.append(_undecodable(index, text, error))
    return events, undecodable


def _undecodable(index: int, text: bytes, error: ValidationError) -> Undecodable:
    try:
        body = json.loads(text)
    except ValueError:
        body = text.decode(errors="replace")
    return Undecodable(index, body, f"not a valid event: {error}")


_ENTRY_ID = re.compile(r"([0-9]{1,20})(?:-([0-9]{1,20}))?")
_LARGEST_PART = 2**64 - 1


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

    @classmethod
    def first_at(cls, moment: datetime) -> "EntryId":
        """The lowest id an entry added at `moment` can have (none before the epoch)."""
        return cls(max(0, int(moment.timestamp() * 1000)), 0)

    def before(self) -> "EntryId | None":
        """The greatest id below this one; None below `0-0`."""
        if self.sequence:
            return EntryId(self.milliseconds, self.sequence - 1)
        return EntryId(self.milliseconds - 1, _LARGEST_PART) if self.milliseconds else None

    def after(self) -> "EntryId":
        """The lowest id above this one."""
        if self.sequence < _LARGEST_PART:
            return EntryId(self.milliseconds, self.sequence + 1)
        return EntryId(self.milliseconds + 1, 0)

    def __str__(self) -> str:
        return f"{self.milliseconds}-{self.sequence}"


def reply_text(value: bytes | str) -> str:
    """A value of a Redis reply as text (redis-py answers bytes unless told to decode)."""
    return value.decode(errors="replace") if isinstance(value, bytes) else value

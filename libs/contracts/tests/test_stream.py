"""The event stream's entries: byte for byte what FastStream writes, read back by FastStream and
by `decode_entry`, entries of earlier releases still read; batches, bad entries, entry ids."""

import json
import uuid

import pytest
from faststream.redis import BinaryMessageFormatV1
from redis.crc import key_slot

from tests.factories import body, event
from tracker_contracts import (
    DATA_FIELD,
    SEQUENCE_FIELD,
    WEBHOOK_FOR_KIND,
    EntryId,
    EventKind,
    NotAnEvent,
    appended_count_key,
    decode_entries,
    decode_entry,
    encode_event,
    envelop,
    event_json,
    frame,
    stream_key,
)

DATA = DATA_FIELD.encode()

WRITTEN_BEFORE = (
    b"\x89BIN\r\n\x1a\n\x00\x01\x00\x00\x00\x12\x00\x00\x00j\x00\x02\x00\x0ecorrelation_id\x00$"
    b"0b6e4c1e-6a53-4c8f-9d5e-3f1a2b7c9d10\x00\x0ccontent-type\x00\x10application/json"
    b'{"event_id":"0b6e4c1e-6a53-4c8f-9d5e-3f1a2b7c9d10","received_at":"2026-01-01T00:00:00Z",'
    b'"payload":{"project":"p","task":"T\xc3\xa2che","task_id":"t-1","agent":"a",'
    b'"event_id":"0b6e4c1e-6a53-4c8f-9d5e-3f1a2b7c9d10","timestamp":null,"metadata":null},'
    b'"kind":"start"}'
)
"""An entry's `__data__` exactly as ingest wrote it before this module (FastStream's encoder)."""


def fields(data: bytes, sequence: int = 1) -> dict[bytes, bytes]:
    return {DATA: data, SEQUENCE_FIELD.encode(): str(sequence).encode()}


@pytest.mark.parametrize("kind", list(EventKind))
async def test_an_entry_is_what_faststream_would_write(kind: EventKind) -> None:
    event = envelop(WEBHOOK_FOR_KIND[kind].model_validate(body(kind, task="Ünïcode ✓ " * 40)))
    data = event.model_dump_json().encode()

    entry = encode_event(event)

    assert entry == await BinaryMessageFormatV1.encode(
        message=data,
        reply_to=None,
        headers={"content-type": "application/json"},
        correlation_id=str(event.event_id),
    )
    read_data, headers = BinaryMessageFormatV1.parse(entry)
    assert read_data == data
    assert headers["correlation_id"] == str(event.event_id)
    assert decode_entry(fields(entry)) == event


def test_entries_written_by_earlier_releases_still_decode() -> None:
    decoded = decode_entry(fields(WRITTEN_BEFORE))
    assert decoded.event_id == uuid.UUID("0b6e4c1e-6a53-4c8f-9d5e-3f1a2b7c9d10")
    assert decoded.payload.task == "Tâche"
    assert encode_event(decoded) == WRITTEN_BEFORE


async def test_what_faststream_publishes_with_other_headers_decodes_too() -> None:
    started = event(EventKind.START)
    data = await BinaryMessageFormatV1.encode(
        message=started.model_dump_json().encode(),
        reply_to="somewhere",
        headers={"content-type": "application/json", "x-trace": "ünïcode-free"},
        correlation_id="not-an-event-id",
    )
    assert decode_entry(fields(data)) == started


def test_frame_takes_any_correlation_id() -> None:
    data = frame("legacy", b'{"a": 1}')
    assert BinaryMessageFormatV1.parse(data) == (
        b'{"a": 1}',
        {"correlation_id": "legacy", "content-type": "application/json"},
    )
    assert event_json(fields(data)) == b'{"a": 1}'


def test_entries_not_framed_are_read_as_faststream_reads_them() -> None:
    started = event(EventKind.START)
    assert decode_entry(fields(started.model_dump_json().encode())) == started
    assert json.loads(event_json({b"other": b"value", b"seq": b"3"})) == {"other": "value"}
    assert event_json(fields(b"\x89BIN\r\n\x1a\n\x00\x01")) == b"\x89BIN\r\n\x1a\n\x00\x01"


def test_an_entry_without_an_event_is_refused_with_what_it_holds() -> None:
    with pytest.raises(NotAnEvent) as refused:
        decode_entry(fields(frame(str(uuid.uuid4()), b'{"kind": "start"}')))
    assert refused.value.body == {"kind": "start"}
    assert refused.value.reason.startswith("not a valid event")


def entry(kind: EventKind, seconds: float, **changes: object) -> dict[bytes, bytes]:
    return fields(encode_event(event(kind, seconds, **changes)))


def test_a_batch_of_events_decodes_in_order() -> None:
    entries = [entry(EventKind.START, 0), entry(EventKind.STATUS, 1), entry(EventKind.FINISH, 2)]
    events, undecodable = decode_entries(entries)
    assert [e.kind for e in events] == [EventKind.START, EventKind.STATUS, EventKind.FINISH]
    assert [encode_event(e) for e in events] == [e[DATA] for e in entries]
    assert undecodable == []


def test_bad_entries_are_set_apart_and_the_others_kept() -> None:
    good = [entry(EventKind.START, 0, task_id="a"), entry(EventKind.START, 1, task_id="b")]
    bad = [
        fields(frame(str(uuid.uuid4()), b'{"kind": "start", "payload": "not an event"}')),
        fields(b"\x89garbage"),
    ]
    events, undecodable = decode_entries([good[0], *bad, good[1]])
    assert [e.payload.task_id for e in events] == ["a", "b"]
    assert [(bad.index, bad.body) for bad in undecodable] == [
        (1, {"kind": "start", "payload": "not an event"}),
        (2, "\ufffdgarbage"),
    ]
    assert all(bad.reason.startswith("not a valid event") for bad in undecodable)


def test_an_entry_holding_two_events_is_not_taken_for_two() -> None:
    a, b = (event(EventKind.START, i, task_id=t) for i, t in enumerate("ab"))
    both = a.model_dump_json().encode() + b"," + b.model_dump_json().encode()
    events, undecodable = decode_entries([fields(both), entry(EventKind.START, 2, task_id="c")])
    assert [e.payload.task_id for e in events] == ["c"]
    assert [bad.index for bad in undecodable] == [0]


def test_an_empty_batch_has_no_events() -> None:
    assert decode_entries([]) == ([], [])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1732530000000-7", EntryId(1732530000000, 7)),
        ("12", EntryId(12, 0)),
        ("0-0", EntryId(0, 0)),
    ],
)
def test_entry_ids_are_read_as_redis_writes_them(text: str, expected: EntryId) -> None:
    assert EntryId.parse(text) == expected
    assert EntryId.parse(text.encode()) == expected


@pytest.mark.parametrize(
    "text", ["", "abc", "1-", "-1", "1-2-3", "1.5", " 1", "١٢", "$", "18446744073709551616"]
)
def test_anything_else_is_not_an_entry_id(text: str) -> None:
    with pytest.raises(ValueError, match="not a stream entry id"):
        EntryId.parse(text)


def test_entry_ids_order_as_in_the_stream() -> None:
    assert EntryId(1, 10) > EntryId(1, 9)
    assert EntryId(2, 0) > EntryId(1, 99)
    assert str(EntryId(1732530000000, 1)) == "1732530000000-1"


def test_the_neighbours_of_an_entry_id() -> None:
    assert EntryId(5, 3).before() == EntryId(5, 2)
    assert EntryId(5, 0).before() == EntryId(4, 2**64 - 1)
    assert EntryId(0, 0).before() is None
    assert EntryId(5, 3).after() == EntryId(5, 4)
    assert EntryId(4, 2**64 - 1).after() == EntryId(5, 0)


@pytest.mark.parametrize(
    "stream", ["agent-tracker:events", "test:0a1b:events", "{tenant-1}:events", "odd{name"]
)
def test_keys_beside_a_stream_share_its_redis_cluster_slot(stream: str) -> None:
    for key in (stream_key(stream, "x"), appended_count_key(stream)):
        assert key != stream
        assert key_slot(key.encode()) == key_slot(stream.encode()), key
    # A stream's own hash tag is kept, not wrapped in another.
    assert stream_key("{tenant-1}:events", "appended") == "{tenant-1}:events:appended"
    assert appended_count_key("agent-tracker:events") == "{agent-tracker:events}:appended"


def test_a_stream_name_whose_keys_cannot_share_its_slot_is_refused() -> None:
    with pytest.raises(ValueError, match="hash tag"):
        stream_key("odd}name", "appended")

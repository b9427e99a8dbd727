"""Turning a batch of stream entries into events: one validation for a good batch, and the bad
entries told apart from the good ones otherwise."""

from tests.factories import event
from tracker_contracts import EventKind
from tracker_query.stream_batch import decode_events


def entry(kind: EventKind, seconds: float, **fields: object) -> bytes:
    return event(kind, seconds, **fields).model_dump_json().encode()


def test_a_batch_of_events_decodes_in_order() -> None:
    entries = [entry(EventKind.START, 0), entry(EventKind.STATUS, 1), entry(EventKind.FINISH, 2)]
    events, undecodable = decode_events(entries)
    assert [e.kind for e in events] == [EventKind.START, EventKind.STATUS, EventKind.FINISH]
    assert [e.model_dump_json().encode() for e in events] == entries
    assert undecodable == []


def test_bad_entries_are_set_apart_and_the_others_kept() -> None:
    good = [entry(EventKind.START, 0, task_id="a"), entry(EventKind.START, 1, task_id="b")]
    entries = [good[0], b'{"kind": "start", "payload": "not an event"}', b"\x89garbage", good[1]]
    events, undecodable = decode_events(entries)
    assert [e.payload.task_id for e in events] == ["a", "b"]
    assert [(bad.index, bad.body) for bad in undecodable] == [
        (1, {"kind": "start", "payload": "not an event"}),
        (2, "\ufffdgarbage"),
    ]
    assert all(bad.reason.startswith("not a valid event") for bad in undecodable)


def test_an_entry_holding_two_events_is_not_taken_for_two() -> None:
    both = entry(EventKind.START, 0, task_id="a") + b"," + entry(EventKind.START, 1, task_id="b")
    events, undecodable = decode_events([both, entry(EventKind.START, 2, task_id="c")])
    assert [e.payload.task_id for e in events] == ["c"]
    assert [bad.index for bad in undecodable] == [0]


def test_an_empty_batch_has_no_events() -> None:
    assert decode_events([]) == ([], [])

import pytest

from tracker_contracts import EntryId
from tracker_realtime.index import ReplayIndex, pack, unpack


def ids(*milliseconds: int) -> list[EntryId]:
    return [EntryId(ms, 0) for ms in milliseconds]


def filled(max_entries: int = 100) -> ReplayIndex:
    index = ReplayIndex(max_entries)
    index.start_at(EntryId(0, 0))
    for ms, project in [(1, "a"), (2, "b"), (3, "a"), (4, "c"), (5, "b"), (6, "a")]:
        index.add(EntryId(ms, 0), project)
    return index


def test_a_project_s_entries_after_a_position_are_found_without_the_others() -> None:
    index = filled()
    assert list(index.after(EntryId(1, 0), ["a"])) == ids(3, 6)
    assert index.count_after(EntryId(1, 0), ["a"]) == 2
    assert list(index.after(EntryId(0, 0), ["a", "b"])) == ids(1, 2, 3, 5, 6)
    assert list(index.after(EntryId(3, 0), [])) == ids(4, 5, 6)  # no project: all of them
    assert list(index.after(EntryId(0, 0), ["nobody"])) == []


def test_the_oldest_entries_go_first_when_the_index_is_full() -> None:
    index = filled(max_entries=4)
    assert len(index) == 4
    assert index.floor == EntryId(2, 0)  # complete after the newest entry dropped
    assert list(index.after(EntryId(0, 0), [])) == ids(3, 4, 5, 6)
    assert list(index.after(EntryId(0, 0), ["b"])) == ids(5)


def test_entries_the_stream_no_longer_keeps_are_dropped() -> None:
    index = filled()
    index.forget_before(EntryId(4, 0))
    assert list(index.after(EntryId(0, 0), [])) == ids(4, 5, 6)
    assert index.floor == EntryId(3, 0)
    assert list(index.after(EntryId(0, 0), ["a"])) == ids(6)


def test_earlier_entries_go_in_front_and_lower_the_floor() -> None:
    index = ReplayIndex(5)
    index.start_at(EntryId(10, 0))
    index.add(EntryId(11, 0), "a")
    index.add(EntryId(12, 0), "b")
    index.add_older([(EntryId(8, 0), "b"), (EntryId(9, 0), "a"), (EntryId(10, 0), "a")], ids(7)[0])
    assert index.floor == EntryId(7, 0)
    assert list(index.after(EntryId(0, 0), ["a"])) == ids(9, 10, 11)
    assert list(index.after(EntryId(0, 0), [])) == ids(8, 9, 10, 11, 12)
    index.add(EntryId(13, 0), "a")  # over the bound: the oldest goes
    assert index.floor == EntryId(8, 0)
    assert list(index.after(EntryId(0, 0), ["b"])) == ids(12)


def test_what_was_returned_does_not_change_with_later_entries() -> None:
    index = filled(max_entries=6)
    found = index.after(EntryId(0, 0), ["a"])
    index.add(EntryId(7, 0), "a")
    assert list(found) == ids(1, 3, 6)


def test_memory_stays_bounded_over_many_entries() -> None:
    index = ReplayIndex(1000)
    index.start_at(EntryId(0, 0))
    for ms in range(1, 50_001):
        index.add(EntryId(ms, ms % 3), f"project-{ms % 7}")
    assert len(index) == 1000
    assert index.count_after(EntryId(0, 0), []) == 1000
    assert sum(index.count_after(EntryId(0, 0), [f"project-{i}"]) for i in range(7)) == 1000


@pytest.mark.parametrize(
    "entry_id", [EntryId(1732530000000, 0), EntryId(1732530000000, 7), EntryId(0, 0)]
)
def test_packed_ids_keep_their_value_and_order(entry_id: EntryId) -> None:
    packed = pack(entry_id)
    assert packed is not None
    assert unpack(packed) == entry_id
    above = pack(EntryId(entry_id.milliseconds, entry_id.sequence + 1))
    assert above is not None
    assert above > packed


def test_an_id_that_cannot_be_packed_restarts_the_index_after_it() -> None:
    index = filled()
    odd = EntryId(7, 2**40)
    assert pack(odd) is None
    index.add(odd, "a")
    assert len(index) == 0
    assert index.floor == odd
    index.add(EntryId(8, 0), "a")
    assert list(index.after(EntryId(0, 0), ["a"])) == ids(8)

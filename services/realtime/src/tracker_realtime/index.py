"""Which recent stream entries belong to which project, kept in memory to serve resumes.

A resuming client follows a few projects; finding their events by reading the stream means
reading and decoding every project's events. The feed already reads every entry once, so it
notes each entry's id under its project here, and a resume looks its ids up (a binary search
per project) and reads only those entries back from Redis.

Memory is bounded: ids are packed into 8-byte integers in arrays, once in stream order and once
under their project, plus a reference to the project for eviction (about 25 bytes an entry),
at most `max_entries` of them, the oldest dropped first, and entries trimmed from the stream
are dropped too. `floor` says how far back the index is complete: every entry after it (up to
the newest the feed relayed) is here; older ones must be read from the stream.
"""

import bisect
import heapq
from array import array
from collections import deque
from collections.abc import Collection, Iterable, Iterator

from tracker_contracts import EntryId

_SEQUENCE_BITS = 20
_LARGEST_MILLISECONDS = 2 ** (64 - _SEQUENCE_BITS) - 1
_LARGEST_SEQUENCE = 2**_SEQUENCE_BITS - 1
_COMPACT_AFTER = 1024
"""Dropped ids are left in place (a head offset moves) until this many and half the array."""


def pack(entry_id: EntryId) -> int | None:
    """The id as one 64-bit integer ordered like ids; None if it does not fit (a sequence above
    a million within one millisecond, or a date past the year 2500)."""
    if entry_id.milliseconds > _LARGEST_MILLISECONDS or entry_id.sequence > _LARGEST_SEQUENCE:
        return None
    return entry_id.milliseconds << _SEQUENCE_BITS | entry_id.sequence


def unpack(packed: int) -> EntryId:
    return EntryId(packed >> _SEQUENCE_BITS, packed & _LARGEST_SEQUENCE)


def _lowest_above(entry_id: EntryId) -> int:
    """The smallest packed id greater than `entry_id` (which may itself not fit)."""
    packed = pack(entry_id)
    if packed is not None:
        return packed + 1
    if entry_id.milliseconds > _LARGEST_MILLISECONDS:
        return 2**64
    return (entry_id.milliseconds + 1) << _SEQUENCE_BITS


class _Ids:
    """Packed ids in stream order; the first `head` of them are dropped."""

    __slots__ = ("head", "ids", "project")

    def __init__(self, project: str = "") -> None:
        self.project = project
        self.ids = array("Q")
        self.head = 0

    def __len__(self) -> int:
        return len(self.ids) - self.head

    def drop_first(self) -> int:
        packed = self.ids[self.head]
        self.head += 1
        if self.head >= _COMPACT_AFTER and self.head * 2 >= len(self.ids):
            del self.ids[: self.head]
            self.head = 0
        return packed

    def first_after(self, packed: int) -> int:
        """Where the ids greater than `packed` begin."""
        return bisect.bisect_right(self.ids, packed, lo=self.head)


class ReplayIndex:
    def __init__(self, max_entries: int) -> None:
        self.max_entries = max_entries
        self._all = _Ids()
        self._owners: deque[_Ids] = deque()
        self._projects: dict[str, _Ids] = {}
        self.floor: EntryId | None = None
        """Every entry after this one is indexed; None while the index covers nothing."""

    def __len__(self) -> int:
        return len(self._all)

    def start_at(self, entry_id: EntryId) -> None:
        """The feed relays from after `entry_id`: what follows it will all be added."""
        self.floor = entry_id

    def add(self, entry_id: EntryId, project: str) -> None:
        """Note the entry the feed just relayed (entries come in stream order)."""
        packed = pack(entry_id)
        if packed is None:  # cannot be kept: the index starts again after it
            self._forget_all(entry_id)
            return
        owner = self._projects.get(project)
        if owner is None:
            owner = self._projects[project] = _Ids(project)
        owner.ids.append(packed)
        self._all.ids.append(packed)
        self._owners.append(owner)
        while len(self._all) > self.max_entries:
            self._drop_oldest()

    def add_older(self, entries: Iterable[tuple[EntryId, str]], floor: EntryId) -> None:
        """Put entries older than all indexed ones in front (oldest first), and lower the floor
        to `floor`, the entry just before them (or 0-0: they reach back to the stream's
        start). Newest ones are kept when they do not all fit."""
        older_all = _Ids()
        older: dict[str, _Ids] = {}
        owners: list[_Ids] = []
        for entry_id, project in entries:
            packed = pack(entry_id)
            if packed is None:
                continue
            owner = self._projects.get(project)
            if owner is None:
                owner = self._projects[project] = _Ids(project)
            older.setdefault(project, _Ids()).ids.append(packed)
            older_all.ids.append(packed)
            owners.append(owner)
        for project, ids in older.items():
            owner = self._projects[project]
            owner.ids = ids.ids + owner.ids[owner.head :]
            owner.head = 0
        self._all.ids = older_all.ids + self._all.ids[self._all.head :]
        self._all.head = 0
        self._owners.extendleft(reversed(owners))
        self.floor = floor
        while len(self._all) > self.max_entries:
            self._drop_oldest()

    def forget_before(self, entry_id: EntryId) -> None:
        """Drop the entries older than `entry_id`, the oldest the stream still keeps."""
        packed = pack(entry_id)
        limit = _lowest_above(entry_id) - 1 if packed is None else packed
        while len(self._all) and self._all.ids[self._all.head] < limit:
            self._drop_oldest()

    def count_after(self, since: EntryId, projects: Collection[str]) -> int:
        """How many indexed entries after `since` belong to `projects` (all when empty)."""
        lowest = _lowest_above(since) - 1
        return sum(len(ids.ids) - ids.first_after(lowest) for ids in self._lists(projects))

    def after(self, since: EntryId, projects: Collection[str]) -> Iterator[EntryId]:
        """The indexed entries after `since` of `projects` (all when empty), oldest first,
        copied now: entries added or dropped later do not change what is returned."""
        lowest = _lowest_above(since) - 1
        copies = [ids.ids[ids.first_after(lowest) :] for ids in self._lists(projects)]
        return (unpack(packed) for packed in heapq.merge(*copies))

    def _lists(self, projects: Collection[str]) -> list[_Ids]:
        if not projects:
            return [self._all]
        return [self._projects[p] for p in projects if p in self._projects]

    def _drop_oldest(self) -> None:
        owner = self._owners.popleft()
        owner.drop_first()
        if not owner:
            del self._projects[owner.project]
        self.floor = unpack(self._all.drop_first())

    def _forget_all(self, floor: EntryId) -> None:
        self._all = _Ids()
        self._owners.clear()
        self._projects.clear()
        self.floor = floor

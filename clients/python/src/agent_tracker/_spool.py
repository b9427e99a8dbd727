"""Events the tracker has not taken yet, oldest first, in a JSON-lines file.

Every reader and writer holds the spool's lock, so parallel calls neither interleave lines nor
deliver the same event twice at once. The file holds event bodies only, never the API key.
"""

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ._events import Event
from ._locking import exclusive, write_atomically


class Spool:
    def __init__(self, path: Path) -> None:
        self.path = path

    @contextmanager
    def locked(self) -> Iterator["LockedSpool"]:
        with exclusive(self.path.with_name(self.path.name + ".lock")):
            yield LockedSpool(self.path)

    def count(self) -> int:
        with self.locked() as spool:
            return len(spool.read())


class LockedSpool:
    """The spool while its lock is held."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def read(self) -> list[Event]:
        try:
            lines = self.path.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return []
        events = []
        for line in lines:
            try:
                events.append(Event.from_line(line))
            except ValueError:
                continue  # a line torn by a crash mid-write; its event was never confirmed
        return events

    def save(self, before: list[Event], after: list[Event]) -> None:
        """Store `after`; appends when it only grew `before`, else rewrites the file."""
        if after == before:
            return
        if after[: len(before)] == before:
            self._append(after[len(before) :])
        elif after:
            write_atomically(self.path, "".join(event.to_line() + "\n" for event in after))
        else:
            self.path.unlink(missing_ok=True)

    def _append(self, events: list[Event]) -> None:
        descriptor = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        with os.fdopen(descriptor, "a", encoding="utf-8") as file:
            file.write("".join(event.to_line() + "\n" for event in events))
            file.flush()
            os.fsync(file.fileno())

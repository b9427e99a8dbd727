"""Titles and start times of tasks started here, so later commands need only the task id."""

import json
import time
from dataclasses import dataclass
from pathlib import Path

from ._locking import exclusive, write_atomically

REMEMBERED_TASKS = 500


@dataclass(frozen=True)
class RememberedTask:
    title: str
    started_at: float
    """Unix time of the start event, for the duration reported at the end."""


class RecentTasks:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = path.with_name(path.name + ".lock")

    def remember(self, project: str, task_id: str, title: str) -> None:
        with exclusive(self._lock):
            tasks = self._read()
            tasks.pop(_key(project, task_id), None)
            tasks[_key(project, task_id)] = {"title": title, "started_at": time.time()}
            newest = dict(list(tasks.items())[-REMEMBERED_TASKS:])
            write_atomically(self.path, json.dumps(newest, ensure_ascii=False))

    def recall(self, project: str, task_id: str) -> RememberedTask | None:
        with exclusive(self._lock):
            found = self._read().get(_key(project, task_id))
        if not isinstance(found, dict):
            return None
        try:
            return RememberedTask(str(found["title"]), float(found["started_at"]))
        except (KeyError, TypeError, ValueError):
            return None

    def _read(self) -> dict[str, object]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (FileNotFoundError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}


def _key(project: str, task_id: str) -> str:
    return f"{project}/{task_id}"  # names cannot contain "/", so the key is unambiguous

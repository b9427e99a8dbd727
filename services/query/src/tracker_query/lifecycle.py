"""How one event changes a task. Plain functions over the task's state, free of I/O.

Rules:
- start → running; status → its status, progress and message; finish → completed; error → failed.
- Events are ordered by the agent's `timestamp` when given, else by time of receipt. An event
  older than the newest one applied only adds history (and can move `started_at` earlier).
- A finished or failed task is never reopened by a status or start; only a newer finish or
  error replaces its outcome.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from tracker_contracts import (
    AnyTaskEvent,
    ErrorEvent,
    FinishEvent,
    StartEvent,
    StatusEvent,
    TaskStatus,
)


@dataclass(slots=True)
class TaskState:
    """The columns of a task row that events change (see `models.Task`)."""

    title: str
    agent_id: int
    status: str = TaskStatus.PENDING
    progress: int = 0
    message: str | None = None
    result: str | None = None
    error_type: str | None = None
    error_message: str | None = None
    stack_trace: str | None = None
    details: dict[str, Any] | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    duration_seconds: float | None = None
    last_event_at: datetime | None = None


def apply_event(task: TaskState, event: AnyTaskEvent, agent_id: int) -> None:
    """Fold `event` into `task`'s current state."""
    at = event.occurred_at
    is_newest = task.last_event_at is None or at >= task.last_event_at
    is_terminal = task.status is not None and TaskStatus(task.status).is_terminal

    _note_start_time(task, event, at)
    if not is_newest:
        return

    task.last_event_at = at
    task.title = event.payload.task
    task.agent_id = agent_id
    match event:
        case StartEvent():
            task.details = _merged(task.details, event.payload.metadata)
            if not is_terminal:
                task.status = TaskStatus.RUNNING
        case StatusEvent():
            if not is_terminal:
                task.status = event.payload.status
                if event.payload.progress is not None:
                    task.progress = event.payload.progress
                if event.payload.message is not None:
                    task.message = event.payload.message
        case FinishEvent():
            _end(task, TaskStatus.COMPLETED, at, event.payload.duration_seconds)
            task.progress = 100
            task.result = event.payload.result
            task.error_type = task.error_message = task.stack_trace = None
            task.details = _merged(task.details, event.payload.metadata)
        case ErrorEvent():
            _end(task, TaskStatus.FAILED, at, None)
            task.error_type = event.payload.error_type
            task.error_message = event.payload.error_message
            task.stack_trace = event.payload.stack_trace
            task.details = _merged(task.details, event.payload.metadata)


def _note_start_time(task: TaskState, event: AnyTaskEvent, at: datetime) -> None:
    """A start sets `started_at` (the earliest start wins); any first event stands in for it."""
    if isinstance(event, StartEvent):
        if task.started_at is None or at < task.started_at:
            task.started_at = at
    elif task.started_at is None:
        duration = event.payload.duration_seconds if isinstance(event, FinishEvent) else None
        task.started_at = at - timedelta(seconds=duration or 0)


def _end(
    task: TaskState, status: TaskStatus, at: datetime, reported_duration: float | None
) -> None:
    task.status = status
    task.finished_at = at
    task.duration_seconds = reported_duration


def _merged(current: dict[str, Any] | None, update: dict[str, Any] | None) -> dict[str, Any] | None:
    if not update:
        return current
    return {**(current or {}), **update}

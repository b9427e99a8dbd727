"""What an event does to its task's status: the rule every reader of the stream applies.

- start → running; status → the status it reports; finish → completed; error → failed.
- A task that needs input (or is paused, or stale) has no status of its own to keep: the
  task's next newer event of any kind sets the status, as for any active task.
- Events are ordered by when they happened (`occurred_at`). An event older than the task's
  newest one only adds history: it changes neither the status nor anything else but, for a
  start, how early the task started.
- A completed or failed task is never reopened by a status or a start; a newer finish or error
  replaces its outcome.

The query service folds events into PostgreSQL with these functions (`tracker_query.lifecycle`),
the live messages announce `status_set_by(event)`, and the dashboard, which holds the task as
loaded, applies the same rule to them. The cases in `libs/contracts/vectors/lifecycle.json` are
the executable statement of the rule: the Python fold and the dashboard's fold are both tested
against them, so neither can drift from the other.

Live messages are built from the stream entry, not published after the query service's commit:
the feed stays as fast as the stream (waiting for the commit would add the consumer's batching
to every delivery), keeps working while PostgreSQL or the query service is away, and resumes by
stream position. See docs/performance.md, "The live feed and the lifecycle rule".
"""

from datetime import datetime

from ._envelope import AnyTaskEvent, ErrorEvent, FinishEvent, StartEvent, StatusEvent
from ._webhooks import TaskStatus


def status_set_by(event: AnyTaskEvent) -> TaskStatus:
    """The status `event` gives a task that has not ended."""
    match event:
        case StartEvent():
            return TaskStatus.RUNNING
        case StatusEvent(payload=status):
            return status.status
        case FinishEvent():
            return TaskStatus.COMPLETED
        case ErrorEvent():
            return TaskStatus.FAILED


def sets_status(event: AnyTaskEvent, current: str | None) -> bool:
    """Whether `event`, the task's newest, sets the status of a task in `current` status: an
    outcome always does; a start or status only while the task has not ended."""
    ends = isinstance(event, FinishEvent | ErrorEvent)
    return ends or current is None or not TaskStatus(current).is_terminal


def is_newest(event: AnyTaskEvent, last_event_at: datetime | None) -> bool:
    """Whether `event` is at least as recent as the task's newest event so far."""
    return last_event_at is None or event.occurred_at >= last_event_at

"""How one event changes a task's row. Plain functions over the task's state, free of I/O.

What an event does to the task's status, and which events count as newer, is the lifecycle
rule of `tracker_contracts` (`status_set_by`, `sets_status`, `is_newest`), which the live
messages and the dashboard follow too. This fold adds what only the stored task has:
- A newest event sets the title and agent; a status its progress and message (unless the task
  has ended); a finish progress 100, its result and duration, and clears the error; an error
  its type, message and stack trace (and no duration).
- A start sets `started_at` (the earliest start wins, even an older one); the first event of a
  task never started stands in for it (a finish minus its reported duration).
- The usage of status, finish and error (a step's tokens and cost) adds to the task's totals,
  whatever the event's order: cost is summed per currency, never across currencies.
- The metadata of start, status, finish and error merges into the task's, key by key (a key
  sent again replaces its value). The merged object is bounded: at most
  `TASK_METADATA_MAX_KEYS` keys and `TASK_METADATA_MAX_BYTES` of JSON. An event whose metadata
  would take the task past either bound is applied without its metadata, which stays in the
  event's history, and the task is marked `metadata_truncated` for good. Checking costs the
  size of the event's metadata and of the values it replaces, never of the whole object.
"""

import json
from collections.abc import Iterable
from dataclasses import dataclass, field, fields, replace
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Self

from tracker_contracts import (
    AnyTaskEvent,
    ErrorEvent,
    FinishEvent,
    StartEvent,
    StatusEvent,
    TaskStatus,
    Usage,
    is_newest,
    sets_status,
    status_set_by,
)

TASK_METADATA_MAX_KEYS = 1000
TASK_METADATA_MAX_BYTES = 64 * 1024
"""Measured as the per-event limit measures: UTF-8 JSON with `", "` and `": "` separators."""


@dataclass(frozen=True, slots=True)
class UsageTotals:
    """What a task's events used in all: the sum of their `usage`."""

    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    cost: dict[str, Decimal] = field(default_factory=dict)
    """Per currency."""

    def plus(self, usage: Usage) -> "UsageTotals":
        """These totals with what one event's step used."""
        tokens = (getattr(usage, name) or 0 for name in TOKENS)
        return self.added(tokens, usage.currency, usage.cost)

    def added(
        self, tokens: Iterable[int], currency: str | None, cost: Decimal | None
    ) -> "UsageTotals":
        """These totals with more tokens (in `TOKENS` order), and a cost in a currency."""
        cost_by_currency = dict(self.cost)
        if currency and cost is not None:
            cost_by_currency[currency] = cost_by_currency.get(currency, Decimal(0)) + cost
        counts = {
            name: getattr(self, name) + int(count)
            for name, count in zip(TOKENS, tokens, strict=True)
        }
        return replace(replace(self, **counts), cost=cost_by_currency)

    def to_json(self) -> str:
        """As stored in `tasks.usage`: amounts as decimal text, so they stay exact."""
        totals: dict[str, Any] = {name: getattr(self, name) for name in TOKENS}
        totals["cost"] = {currency: str(amount) for currency, amount in self.cost.items()}
        return json.dumps(totals)

    @classmethod
    def from_json(cls, text: str) -> Self:
        totals = json.loads(text)
        cost = {currency: Decimal(amount) for currency, amount in totals.pop("cost").items()}
        return cls(**totals, cost=cost)


TOKENS = tuple(f.name for f in fields(UsageTotals) if f.name != "cost")


def usage_of(event: AnyTaskEvent) -> Usage | None:
    """What the event's step used, if it said (a start cannot)."""
    return None if isinstance(event, StartEvent) else event.payload.usage


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
    details_size: int = 0
    """The bytes `details` takes as JSON, the sum of its entries' sizes (0 with no entry), kept
    so that merging need not measure the whole object again."""
    metadata_truncated: bool = False
    started_at: datetime | None = None
    finished_at: datetime | None = None
    duration_seconds: float | None = None
    last_event_at: datetime | None = None
    usage: UsageTotals | None = None
    """None until an event reports usage; replaced, never changed in place."""


def apply_event(task: TaskState, event: AnyTaskEvent, agent_id: int) -> None:
    """Fold `event` into `task`'s current state."""
    at = event.occurred_at
    _note_start_time(task, event, at)
    if (usage := usage_of(event)) is not None:
        task.usage = (task.usage or UsageTotals()).plus(usage)
    if not is_newest(event, task.last_event_at):
        return

    task.last_event_at = at
    task.title = event.payload.task
    task.agent_id = agent_id
    if sets_status(event, task.status):
        task.status = status_set_by(event)
    elif isinstance(event, StatusEvent):
        return  # an ended task keeps its progress and message
    match event:
        case StartEvent():
            _merge_metadata(task, event.payload.metadata)
        case StatusEvent():
            if event.payload.progress is not None:
                task.progress = event.payload.progress
            if event.payload.message is not None:
                task.message = event.payload.message
            _merge_metadata(task, event.payload.metadata)
        case FinishEvent():
            _end(task, at, event.payload.duration_seconds)
            task.progress = 100
            task.result = event.payload.result
            task.error_type = task.error_message = task.stack_trace = None
            _merge_metadata(task, event.payload.metadata)
        case ErrorEvent():
            _end(task, at, None)
            task.error_type = event.payload.error_type
            task.error_message = event.payload.error_message
            task.stack_trace = event.payload.stack_trace
            _merge_metadata(task, event.payload.metadata)


def _note_start_time(task: TaskState, event: AnyTaskEvent, at: datetime) -> None:
    """A start sets `started_at` (the earliest start wins); any first event stands in for it."""
    if isinstance(event, StartEvent):
        if task.started_at is None or at < task.started_at:
            task.started_at = at
    elif task.started_at is None:
        duration = event.payload.duration_seconds if isinstance(event, FinishEvent) else None
        task.started_at = at - timedelta(seconds=duration or 0)


def _end(task: TaskState, at: datetime, reported_duration: float | None) -> None:
    task.finished_at = at
    task.duration_seconds = reported_duration


def _merge_metadata(task: TaskState, update: dict[str, Any] | None) -> None:
    """Merge `update` into the task's metadata if the result stays within the bounds."""
    if not update:
        return
    current = task.details or {}
    size, keys = task.details_size, len(current)
    for key, value in update.items():
        if key in current:
            size -= _entry_size(key, current[key])
        else:
            keys += 1
        size += _entry_size(key, value)
    if keys > TASK_METADATA_MAX_KEYS or size > TASK_METADATA_MAX_BYTES:
        task.metadata_truncated = True
        return
    task.details = {**current, **update}
    task.details_size = size


def _entry_size(key: str, value: Any) -> int:
    # `"key": value` and the `, ` that separates it from the next entry (or the braces, for the
    # last one: an object of n entries takes 2 + Σ entry + 2·(n − 1) bytes = Σ (entry + 2)).
    encoded = json.dumps(key, ensure_ascii=False) + json.dumps(value, ensure_ascii=False)
    return len(encoded.encode()) + 4

"""The four webhook bodies agents send, field for field as the public API documents them."""

import json
import math
import re
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    Strict,
    StringConstraints,
)

METADATA_MAX_BYTES = 16 * 1024
METADATA_MAX_DEPTH = 32
"""Most levels of objects and arrays in metadata (the metadata object itself is level 1)."""
METADATA_INTEGER_RANGE = (-(2**63), 2**63 - 1)
"""Integers in metadata fit a signed 64-bit integer, as every JSON reader can hold them."""
EARLIEST_TIMESTAMP = datetime(1970, 1, 1, tzinfo=UTC)
LATEST_TIMESTAMP = datetime(3000, 1, 1, tzinfo=UTC)
"""Timestamps lie in [EARLIEST_TIMESTAMP, LATEST_TIMESTAMP): well inside what Python's
datetime and PostgreSQL's timestamptz hold in any time zone, with room for arithmetic."""


class TaskStatus(StrEnum):
    """Where a task is in its lifecycle; the first three are the active ones."""

    PENDING = "pending"
    RUNNING = "running"
    PAUSED = "paused"
    COMPLETED = "completed"
    FAILED = "failed"
    STALE = "stale"
    """Active, but silent for longer than its project allows; any newer event revives it."""

    @property
    def is_terminal(self) -> bool:
        return self in (TaskStatus.COMPLETED, TaskStatus.FAILED)


ACTIVE_STATUSES = frozenset({TaskStatus.PENDING, TaskStatus.RUNNING, TaskStatus.PAUSED})


_CONTROL_CHARACTER = re.compile(r"[\x00-\x1f\x7f]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def _has_no_control_characters(value: str) -> str:
    if _CONTROL_CHARACTER.search(value):
        raise ValueError("must not contain control characters")
    return _is_storable(value)


def _is_storable(value: str) -> str:
    """Text that UTF-8 and PostgreSQL text and jsonb hold: no U+0000, no lone surrogate."""
    if "\x00" in value:
        raise ValueError("must not contain the NUL character")
    if _SURROGATE.search(value):
        raise ValueError("must not contain a lone UTF-16 surrogate (U+D800 to U+DFFF)")
    return value


def _check_metadata_value(value: Any, depth: int, where: str) -> list[tuple[Any, int, str]]:
    """Refuses what jsonb cannot store; returns the values nested in `value` to check next."""
    if isinstance(value, bool) or value is None:
        return []
    if isinstance(value, str):
        _is_storable_at(value, where)
        return []
    if isinstance(value, int):
        low, high = METADATA_INTEGER_RANGE
        if not low <= value <= high:
            raise ValueError(f"{where}: integers must fit in 64 bits (from {low} to {high})")
        return []
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{where}: numbers must be finite (no NaN or Infinity)")
        return []
    if not isinstance(value, dict | list):
        raise ValueError(f"{where}: {type(value).__name__} is not a JSON value")
    if depth > METADATA_MAX_DEPTH:
        raise ValueError(f"{where}: at most {METADATA_MAX_DEPTH} levels of nesting")
    if isinstance(value, list):
        return [(item, depth + 1, f"{where}[{i}]") for i, item in enumerate(value)]
    nested = []
    for key, item in value.items():
        if not isinstance(key, str):
            raise ValueError(f"{where}: keys must be strings")
        _is_storable_at(key, f"{where} (a key)")
        nested.append((item, depth + 1, f"{where}.{_printable(key)}"))
    return nested


def _is_storable_at(value: str, where: str) -> None:
    try:
        _is_storable(value)
    except ValueError as refusal:
        raise ValueError(f"{where}: {refusal}") from None


def _printable(text: str) -> str:
    return text.encode("utf-8", "backslashreplace").decode()


def _fits_metadata_limit(value: dict[str, Any] | None) -> dict[str, Any] | None:
    if value is None:
        return None
    # Checked level by level, without recursion: any depth gets a clear answer.
    todo: list[tuple[Any, int, str]] = [(value, 1, "metadata")]
    while todo:
        todo += _check_metadata_value(*todo.pop())
    encoded = json.dumps(value, ensure_ascii=False)
    if len(encoded.encode()) > METADATA_MAX_BYTES:
        raise ValueError(f"must serialize to at most {METADATA_MAX_BYTES} bytes of JSON")
    return value


_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
_CANONICAL_UUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")


def _iso_datetime_text(value: Any) -> Any:
    """Only ISO-8601 text: no Unix numbers, which would pass for dates silently."""
    if isinstance(value, str) and not _ISO_DATETIME.match(value):
        raise ValueError("must be an ISO-8601 date-time such as 2026-01-01T10:00:00Z")
    if not isinstance(value, str | datetime):
        raise ValueError("must be an ISO-8601 date-time string")
    return value


def _within_storable_range(value: datetime) -> datetime:
    # Aware datetimes compare without conversion, so no offset can overflow here.
    if not EARLIEST_TIMESTAMP <= value < LATEST_TIMESTAMP:
        raise ValueError(
            f"must be from {EARLIEST_TIMESTAMP.isoformat()} to before "
            f"{LATEST_TIMESTAMP.isoformat()} (in UTC)"
        )
    return value


def _canonical_uuid_text(value: Any) -> Any:
    if isinstance(value, str) and not _CANONICAL_UUID.match(value):
        raise ValueError("must be a UUID written as 8-4-4-4-12 hexadecimal digits")
    return value


# Names appear in URLs (/api/projects/{project}/tasks/{task_id}), so they exclude "/".
Name = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=128, pattern=r"^[^/]+$"),
    AfterValidator(_has_no_control_characters),
]
Title = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=512),
    AfterValidator(_has_no_control_characters),
]
ShortText = Annotated[str, StringConstraints(max_length=256), AfterValidator(_is_storable)]
Text = Annotated[str, StringConstraints(max_length=16 * 1024), AfterValidator(_is_storable)]
LongText = Annotated[str, StringConstraints(max_length=64 * 1024), AfterValidator(_is_storable)]
Metadata = Annotated[dict[str, Any] | None, AfterValidator(_fits_metadata_limit)]
EventId = Annotated[UUID, BeforeValidator(_canonical_uuid_text)]
Timestamp = Annotated[
    AwareDatetime, BeforeValidator(_iso_datetime_text), AfterValidator(_within_storable_range)
]
Percent = Annotated[int, Strict(), Field(ge=0, le=100)]
Seconds = Annotated[float, Strict(), Field(ge=0, le=10 * 365 * 24 * 3600)]

_START_EXAMPLE: dict[str, Any] = {
    "project": "my-project",
    "task": "Build feature",
    "task_id": "task-123",
    "agent": "claude-3-5",
    "metadata": {"priority": "high"},
}


class WebhookBase(BaseModel):
    """Fields every webhook carries: which task of which project, reported by which agent."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    project: Name = Field(description="Project name; a project is created on its first event.")
    task: Title = Field(description="Human-readable task title.")
    task_id: Name = Field(description="Task identifier, unique within the project.")
    agent: Name = Field(description="Name of the agent doing the work.")
    event_id: EventId | None = Field(
        default=None,
        description="Client-chosen event id; resending the same id is applied once.",
    )
    timestamp: Timestamp | None = Field(
        default=None,
        description="When the event happened at the agent (ISO-8601 with offset); "
        "orders events that arrive out of order. Defaults to the time of receipt.",
    )


class StartWebhook(WebhookBase):
    """The agent began a task."""

    model_config = ConfigDict(json_schema_extra={"examples": [_START_EXAMPLE]})

    metadata: Metadata = None


class StatusWebhook(WebhookBase):
    """Progress report on a running task."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    **_START_EXAMPLE,
                    "metadata": None,
                    "status": "running",
                    "progress": 75,
                    "message": "Processing data",
                }
            ]
        }
    )

    status: Literal[TaskStatus.PENDING, TaskStatus.RUNNING, TaskStatus.PAUSED] = Field(
        default=TaskStatus.RUNNING,
        description="Non-terminal status; use /webhook/finish or /webhook/error to end a task.",
    )
    progress: Percent | None = Field(default=None, description="Percent done, 0-100.")
    message: Text | None = None


class FinishWebhook(WebhookBase):
    """The task completed."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    **_START_EXAMPLE,
                    "result": "Completed successfully",
                    "duration_seconds": 1800,
                    "metadata": {"files": ["result.py"]},
                }
            ]
        }
    )

    result: LongText | None = None
    duration_seconds: Seconds | None = Field(
        default=None,
        description="How long the task took; computed from start and finish when omitted.",
    )
    metadata: Metadata = None


class ErrorWebhook(WebhookBase):
    """The task failed."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    **_START_EXAMPLE,
                    "error_type": "RuntimeError",
                    "error_message": "Execution failed",
                    "stack_trace": "Traceback...",
                    "metadata": {"attempt": 3},
                }
            ]
        }
    )

    error_type: Annotated[ShortText, StringConstraints(min_length=1)]
    error_message: Annotated[Text, StringConstraints(min_length=1)]
    stack_trace: LongText | None = None
    metadata: Metadata = None


Webhook = StartWebhook | StatusWebhook | FinishWebhook | ErrorWebhook

"""The four webhook bodies agents send, field for field as the public API documents them."""

import json
import re
from datetime import datetime
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


def _has_no_control_characters(value: str) -> str:
    if _CONTROL_CHARACTER.search(value):
        raise ValueError("must not contain control characters")
    return value


def _has_no_nul(value: str) -> str:
    # PostgreSQL text and JSON cannot hold U+0000.
    if "\x00" in value:
        raise ValueError("must not contain the NUL character")
    return value


def _fits_metadata_limit(value: dict[str, Any] | None) -> dict[str, Any] | None:
    if value is None:
        return None
    encoded = json.dumps(value, ensure_ascii=False)
    if len(encoded.encode()) > METADATA_MAX_BYTES:
        raise ValueError(f"must serialize to at most {METADATA_MAX_BYTES} bytes of JSON")
    _has_no_nul(encoded.replace("\\u0000", "\x00"))
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
ShortText = Annotated[str, StringConstraints(max_length=256), AfterValidator(_has_no_nul)]
Text = Annotated[str, StringConstraints(max_length=16 * 1024), AfterValidator(_has_no_nul)]
LongText = Annotated[str, StringConstraints(max_length=64 * 1024), AfterValidator(_has_no_nul)]
Metadata = Annotated[dict[str, Any] | None, AfterValidator(_fits_metadata_limit)]
EventId = Annotated[UUID, BeforeValidator(_canonical_uuid_text)]
Timestamp = Annotated[AwareDatetime, BeforeValidator(_iso_datetime_text)]
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

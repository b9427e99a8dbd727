"""Response bodies of the REST API."""

from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from tracker_contracts import EventKind, TaskStatus, Usage


class ProjectOut(BaseModel):
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    "id": 1,
                    "name": "my-project",
                    "created_at": "2024-01-01T10:00:00Z",
                    "updated_at": "2024-01-01T10:00:00Z",
                }
            ]
        },
    )

    id: int
    name: str
    created_at: datetime
    updated_at: datetime = Field(description="Time of the project's latest applied event.")


USAGE_TOTALS_EXAMPLE: dict[str, Any] = {
    "input_tokens": 5200,
    "output_tokens": 1340,
    "cache_read_tokens": 20000,
    "cache_write_tokens": 1500,
    "cost": {"USD": 0.0731},
}


class UsageTotalsOut(BaseModel):
    """The sum of what a task's events reported using."""

    model_config = ConfigDict(json_schema_extra={"examples": [USAGE_TOTALS_EXAMPLE]})

    input_tokens: int
    output_tokens: int
    cache_read_tokens: int
    cache_write_tokens: int
    cost: dict[str, float] = Field(
        description="Per currency (ISO 4217 code): amounts in different currencies are never "
        "added together. Empty when no event reported a cost."
    )


def usage_out(usage: Any) -> UsageTotalsOut:
    """The totals of a `UsageTotals` (or any object with the same attributes)."""
    return UsageTotalsOut.model_validate(usage, from_attributes=True)


class TaskOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": 1,
                    "task_id": "task-123",
                    "title": "Build feature",
                    "status": "running",
                    "progress": 75,
                    "started_at": "2024-01-01T10:00:00Z",
                    "project": "my-project",
                    "agent": "claude-3-5",
                    "message": "Processing data",
                    "result": None,
                    "error_type": None,
                    "error_message": None,
                    "metadata": {"priority": "high"},
                    "metadata_truncated": False,
                    "finished_at": None,
                    "duration_seconds": None,
                    "updated_at": "2024-01-01T10:15:00Z",
                    "last_event_at": "2024-01-01T10:15:00Z",
                    "usage": USAGE_TOTALS_EXAMPLE,
                }
            ]
        }
    )

    id: int
    task_id: str
    title: str
    status: TaskStatus
    progress: int
    started_at: datetime | None
    project: str
    agent: str
    message: str | None
    result: str | None
    error_type: str | None
    error_message: str | None
    metadata: dict[str, Any] | None = Field(
        description="The metadata of the task's events, merged (at most 1,000 keys and 64 KiB). "
        "A list shows at most 2 KiB of it: the keys that fit, in code-point order."
    )
    metadata_truncated: bool = Field(
        description="`metadata` is not everything the task's events sent: in a list, the task "
        "has more than fits there (its own view shows all it keeps); in the task's view, an "
        "event's metadata was left out to keep the task within its bound (each event's "
        "metadata stays in its history)."
    )
    finished_at: datetime | None
    duration_seconds: float | None
    updated_at: datetime
    last_event_at: datetime | None = Field(
        description="When the task's newest event happened (the agent's `timestamp`, else its "
        "receipt). A live message older than this only adds history; see the lifecycle rules."
    )
    usage: UsageTotalsOut | None = Field(
        description="Tokens and cost of the task's events added up; null when none reported "
        "any usage."
    )


class StatsOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "total_projects": 5,
                    "total_tasks": 42,
                    "active_tasks": 3,
                    "needs_input_tasks": 1,
                    "completed_tasks": 35,
                    "failed_tasks": 4,
                    "average_duration": 2450.5,
                    "usage": USAGE_TOTALS_EXAMPLE,
                }
            ]
        }
    )

    total_projects: int
    total_tasks: int
    active_tasks: int = Field(description="Tasks pending, running, paused or needing input.")
    needs_input_tasks: int = Field(
        description="Active tasks waiting on a person (status `needs_input`); see the inbox."
    )
    completed_tasks: int
    failed_tasks: int
    average_duration: float | None = Field(
        description="Mean duration in seconds of completed tasks; null when none has completed."
    )
    usage: UsageTotalsOut = Field(
        description="Tokens and cost the events in the filter reported (by when each happened "
        "and the agent that reported it); cost per currency."
    )


class EventOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "event_id": "5f0c2a4e-2b1d-4a8e-9d1f-2c7a1e5b6c70",
                    "kind": "status",
                    "agent": "claude-3-5",
                    "occurred_at": "2024-01-01T10:15:00Z",
                    "received_at": "2024-01-01T10:15:00Z",
                    "payload": {
                        "project": "my-project",
                        "task": "Build feature",
                        "task_id": "task-123",
                        "agent": "claude-3-5",
                        "status": "running",
                        "progress": 75,
                        "message": "Processing data",
                        "usage": {"model": "claude-sonnet-4-5", "cost": 0.0123, "currency": "USD"},
                    },
                    "usage": {"model": "claude-sonnet-4-5", "cost": 0.0123, "currency": "USD"},
                }
            ]
        }
    )

    event_id: UUID
    kind: EventKind
    agent: str
    occurred_at: datetime = Field(description="The agent's timestamp, else the time of receipt.")
    received_at: datetime
    payload: dict[str, Any] = Field(description="The webhook body as accepted.")
    usage: Usage | None = Field(
        description="What this event's step used (not a running total); null when it did not say."
    )


class TaskDetailOut(TaskOut):
    """A task with everything that happened to it, in order."""

    stack_trace: str | None
    events: list[EventOut]

"""Notices the query service announces to live clients, beside the agents' own events."""

from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ._webhooks import TaskStatus


def notices_channel(events_stream: str) -> str:
    """The Redis channel carrying notices for the deployment using `events_stream`."""
    return f"{events_stream}:notices"


class TaskStaleData(BaseModel):
    model_config = ConfigDict(frozen=True)

    task_id: str
    title: str
    project: str
    agent: str
    status: Literal[TaskStatus.STALE] = TaskStatus.STALE
    progress: int
    last_event_at: datetime = Field(description="When the task was last heard of.")


class TaskStaleMessage(BaseModel):
    """`{"type": "task_stale", "data", "timestamp"}`: a running task fell silent."""

    model_config = ConfigDict(frozen=True)

    type: Literal["task_stale"] = "task_stale"
    data: TaskStaleData
    timestamp: datetime = Field(default_factory=lambda: datetime.now(UTC))

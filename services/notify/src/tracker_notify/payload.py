"""The body of an outgoing notification, as webhook channels receive it (and as the OpenAPI
document describes it under `webhooks`)."""

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

PayloadType = Literal["task.failed", "task.stale", "task.needs_input", "task.finished", "test"]


class TaskInfo(BaseModel):
    """The task as the event that opened the incident told it."""

    model_config = ConfigDict(frozen=True)

    task_id: str = Field(examples=["build-42"])
    title: str = Field(examples=["Build the release"])
    agent: str = Field(examples=["builder-1"])
    status: str = Field(examples=["failed"])
    progress: int | None = Field(default=None, examples=[80])
    last_message: str | None = Field(default=None, examples=["ImportError: no module named x"])
    last_event_at: datetime = Field(examples=["2026-12-03T10:00:00Z"])


class NotificationPayload(BaseModel):
    """What a webhook channel receives, signed per Standard Webhooks (`webhook-id` is `id`,
    the same on every retry: receivers drop a message whose id they have seen)."""

    model_config = ConfigDict(frozen=True)

    id: str = Field(description="The delivery's id, also the `webhook-id` header.")
    type: PayloadType
    timestamp: datetime = Field(description="When the notification was created.")
    project: str
    task: TaskInfo | None = Field(description="Null for a test and for a digest.")
    summary: str = Field(
        description="One line for people.", examples=["Task build-42 failed in project web"]
    )
    url: str | None = Field(description="The task on the dashboard (null without DASHBOARD_URL).")

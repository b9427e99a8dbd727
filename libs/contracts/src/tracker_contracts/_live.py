"""Messages the realtime service sends to WebSocket clients."""

from datetime import datetime
from enum import StrEnum
from uuid import UUID

from pydantic import BaseModel, ConfigDict

from ._envelope import AnyTaskEvent, ErrorEvent, FinishEvent, StartEvent, StatusEvent
from ._webhooks import TaskStatus


class LiveMessageType(StrEnum):
    TASK_STARTED = "task_started"
    TASK_STATUS = "task_status"
    TASK_FINISHED = "task_finished"
    TASK_ERROR = "task_error"


class _TaskData(BaseModel):
    model_config = ConfigDict(frozen=True)

    task_id: str
    title: str
    project: str
    agent: str
    status: TaskStatus


class TaskStartedData(_TaskData):
    started_at: datetime


class TaskStatusData(_TaskData):
    progress: int | None
    message: str | None


class TaskFinishedData(_TaskData):
    duration_seconds: float | None
    finished_at: datetime


class TaskErrorData(_TaskData):
    error_type: str
    error_message: str


class LiveMessage(BaseModel):
    """`{"type", "data", "timestamp"}` as the public API documents, plus the event's id."""

    model_config = ConfigDict(frozen=True)

    type: LiveMessageType
    data: TaskStartedData | TaskStatusData | TaskFinishedData | TaskErrorData
    timestamp: datetime
    event_id: UUID


def live_message(event: AnyTaskEvent) -> LiveMessage:
    """The WebSocket message announcing `event`."""
    payload = event.payload
    at = event.occurred_at
    ref = {
        "task_id": payload.task_id,
        "title": payload.task,
        "project": payload.project,
        "agent": payload.agent,
    }
    data: TaskStartedData | TaskStatusData | TaskFinishedData | TaskErrorData
    match event:
        case StartEvent():
            kind = LiveMessageType.TASK_STARTED
            data = TaskStartedData(**ref, status=TaskStatus.RUNNING, started_at=at)
        case StatusEvent(payload=status):
            kind = LiveMessageType.TASK_STATUS
            data = TaskStatusData(
                **ref, status=status.status, progress=status.progress, message=status.message
            )
        case FinishEvent(payload=finish):
            kind = LiveMessageType.TASK_FINISHED
            data = TaskFinishedData(
                **ref,
                status=TaskStatus.COMPLETED,
                duration_seconds=finish.duration_seconds,
                finished_at=at,
            )
        case ErrorEvent(payload=error):
            kind = LiveMessageType.TASK_ERROR
            data = TaskErrorData(
                **ref,
                status=TaskStatus.FAILED,
                error_type=error.error_type,
                error_message=error.error_message,
            )
    return LiveMessage(type=kind, data=data, timestamp=at, event_id=event.event_id)

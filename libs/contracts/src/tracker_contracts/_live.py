"""Messages the realtime service sends to WebSocket clients."""

from datetime import UTC, datetime
from enum import StrEnum
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from ._envelope import AnyTaskEvent, ErrorEvent, FinishEvent, StartEvent, StatusEvent
from ._lifecycle import status_set_by
from ._webhooks import TaskStatus, Usage, is_none


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


class _UsageData(_TaskData):
    usage: Usage | None = Field(
        default=None,
        exclude_if=is_none,
        description="What the event's step used (not a running total); absent when the event "
        "reported none.",
    )


class TaskStatusData(_UsageData):
    progress: int | None
    message: str | None


class TaskFinishedData(_UsageData):
    duration_seconds: float | None
    finished_at: datetime


class TaskErrorData(_UsageData):
    error_type: str
    error_message: str


class LiveMessage(BaseModel):
    """`{"type", "data", "timestamp"}` as the public API documents, plus the event's id and
    `id`, the stream entry id of the event: the position a client resumes from."""

    model_config = ConfigDict(frozen=True)

    type: LiveMessageType
    data: TaskStartedData | TaskStatusData | TaskFinishedData | TaskErrorData
    timestamp: datetime
    event_id: UUID
    id: str


def live_message(event: AnyTaskEvent, entry_id: str) -> LiveMessage:
    """The WebSocket message announcing `event`, read from stream entry `entry_id`. Its status
    is the one the event gives a task that has not ended (`status_set_by`); a client holding
    the task applies the rest of the lifecycle rule."""
    payload = event.payload
    at = event.occurred_at
    ref = {
        "task_id": payload.task_id,
        "title": payload.task,
        "project": payload.project,
        "agent": payload.agent,
    }
    status = status_set_by(event)
    data: TaskStartedData | TaskStatusData | TaskFinishedData | TaskErrorData
    match event:
        case StartEvent():
            kind = LiveMessageType.TASK_STARTED
            data = TaskStartedData(**ref, status=status, started_at=at)
        case StatusEvent(payload=update):
            kind = LiveMessageType.TASK_STATUS
            data = TaskStatusData(
                **ref,
                status=status,
                usage=update.usage,
                progress=update.progress,
                message=update.message,
            )
        case FinishEvent(payload=finish):
            kind = LiveMessageType.TASK_FINISHED
            data = TaskFinishedData(
                **ref,
                status=status,
                usage=finish.usage,
                duration_seconds=finish.duration_seconds,
                finished_at=at,
            )
        case ErrorEvent(payload=error):
            kind = LiveMessageType.TASK_ERROR
            data = TaskErrorData(
                **ref,
                status=status,
                usage=error.usage,
                error_type=error.error_type,
                error_message=error.error_message,
            )
    return LiveMessage(type=kind, data=data, timestamp=at, event_id=event.event_id, id=entry_id)


def _now() -> datetime:
    return datetime.now(UTC)


class ResyncReason(StrEnum):
    HISTORY_TRIMMED = "history_trimmed"
    """Events after the client's position are no longer kept."""
    TOO_FAR_BEHIND = "too_far_behind"
    """More events were missed than the server replays."""


class ResyncRequiredData(BaseModel):
    model_config = ConfigDict(frozen=True)

    reason: ResyncReason
    oldest_available: str | None
    """The oldest entry id still kept; null when none is."""


class ResyncRequiredMessage(BaseModel):
    """The missed events cannot be replayed: reload the state, the feed goes on from now."""

    model_config = ConfigDict(frozen=True)

    type: Literal["resync_required"] = "resync_required"
    data: ResyncRequiredData
    timestamp: datetime = Field(default_factory=_now)


class ReplayCompleteData(BaseModel):
    model_config = ConfigDict(frozen=True)

    replayed: int
    last_id: str | None
    """The id of the last replayed event; null when none was missed."""


class ReplayCompleteMessage(BaseModel):
    """Every missed event was sent; live events follow."""

    model_config = ConfigDict(frozen=True)

    type: Literal["replay_complete"] = "replay_complete"
    data: ReplayCompleteData
    timestamp: datetime = Field(default_factory=_now)


class HeartbeatData(BaseModel):
    model_config = ConfigDict(frozen=True)

    last_id: str | None
    """The client's position, to resume from: it has every event it follows up to this
    entry id (the newest one relayed, or the one it resumed from); null when none yet."""


class HeartbeatMessage(BaseModel):
    """Sent at a fixed interval, so a quiet connection can be told from a dead one."""

    model_config = ConfigDict(frozen=True)

    type: Literal["heartbeat"] = "heartbeat"
    data: HeartbeatData
    timestamp: datetime = Field(default_factory=_now)

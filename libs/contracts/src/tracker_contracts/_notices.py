"""Notices the query service announces, beside the agents' own events: on a Redis channel for
live clients (gone when nobody listens), and on a durable stream for readers that must see each
notice once (notifications), read in consumer groups."""

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ._stream import DATA_FIELD, event_json, frame, stream_key
from ._webhooks import TaskStatus

NOTICES_STREAM_MAX_LENGTH = 100_000
"""About how many notices the notices stream keeps (trimmed with `MAXLEN ~` on append)."""


def notices_channel(events_stream: str) -> str:
    """The Redis channel carrying notices for the deployment using `events_stream`."""
    return f"{events_stream}:notices"


def notices_stream(events_stream: str) -> str:
    """The Redis stream keeping notices for the deployment using `events_stream`, in the events
    stream's slot (`stream_key`)."""
    return stream_key(events_stream, "notices")


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


AnyNotice = TaskStaleMessage
"""Every notice on the notices stream (a discriminated union on `type` once there are more)."""


def encode_notice(notice: AnyNotice) -> dict[str, bytes]:
    """The fields of the notices-stream entry carrying `notice`, framed as events are."""
    return {DATA_FIELD: frame(str(uuid.uuid4()), notice.model_dump_json().encode())}


def decode_notice(fields: Mapping[bytes, bytes]) -> AnyNotice:
    """The notice of a notices-stream entry; pydantic's ValidationError when it holds none."""
    return TaskStaleMessage.model_validate_json(event_json(fields))

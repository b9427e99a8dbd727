"""Notices the query service announces, beside the agents' own events: on a Redis channel for
live clients (gone when nobody listens), and on a durable stream for readers that must see each
notice once (notifications), read in consumer groups."""

import uuid
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from ._stream import DATA_FIELD, event_json, frame, stream_key
from ._webhooks import Money, TaskStatus

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


class BudgetCrossedData(BaseModel):
    model_config = ConfigDict(frozen=True)

    project: str
    period: Literal["day", "month"] = Field(description="The budget's period, in UTC.")
    period_start: date = Field(description="The first day of the period.")
    threshold_percent: int = Field(description="The share of the budget crossed: 80 or 100.")
    amount: Money = Field(description="The budget: what the project may spend per period.")
    spent: Money = Field(description="What the project had spent in the period by then.")
    currency: str = Field(description="ISO 4217; costs in other currencies do not count.")
    crossed_at: datetime


class BudgetCrossedMessage(BaseModel):
    """`{"type": "budget_crossed", "data", "timestamp"}`: a project's spending in its budget's
    period reached 80 % or 100 % of it (once per period, threshold and amount)."""

    model_config = ConfigDict(frozen=True)

    type: Literal["budget_crossed"] = "budget_crossed"
    data: BudgetCrossedData
    timestamp: datetime = Field(default_factory=lambda: datetime.now(UTC))


AnyNotice = Annotated[TaskStaleMessage | BudgetCrossedMessage, Field(discriminator="type")]
"""Every notice of the query service's, on the notices channel and the notices stream."""
_NOTICE: TypeAdapter[AnyNotice] = TypeAdapter(AnyNotice)


def encode_notice(notice: AnyNotice) -> dict[str, bytes]:
    """The fields of the notices-stream entry carrying `notice`, framed as events are."""
    return {DATA_FIELD: frame(str(uuid.uuid4()), notice.model_dump_json().encode())}


def decode_notice(fields: Mapping[bytes, bytes]) -> AnyNotice:
    """The notice of a notices-stream entry; pydantic's ValidationError when it holds none."""
    return _NOTICE.validate_json(event_json(fields))

"""Notices the query service announces to live clients, beside the agents' own events."""

from datetime import UTC, date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from ._webhooks import Money, TaskStatus


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
"""Any notice of the query service's, as the notices channel carries it."""

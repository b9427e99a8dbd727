"""`/api/stats/usage…`: tokens and cost by project, agent, model or day, over time, and the
tasks that cost the most. Usage counts when its event happened, for the agent that reported
it; cost is per currency, never added across currencies."""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from tracker_contracts import CURRENCY_PATTERN, DEFAULT_CURRENCY, TaskStatus

from ..lifecycle import UsageTotals
from ..repositories.usage_stats import UsageKey, most_expensive_tasks, usage_by
from .deps import ReadingSession
from .schemas import USAGE_TOTALS_EXAMPLE, UsageTotalsOut, usage_out
from .stats_params import BucketUnit, StatsFilterParams, bucketed

router = APIRouter(prefix="/usage")

Currency = Annotated[
    str,
    Query(
        pattern=CURRENCY_PATTERN,
        description="ISO 4217 code of the cost to rank by.",
    ),
]


class UsageShareOut(UsageTotalsOut):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"key": "claude-sonnet-4-5", **USAGE_TOTALS_EXAMPLE}]}
    )

    key: str = Field(
        description="The project, agent or model name ('' for usage reported without a "
        "model), or the day (`2026-01-01`, UTC)."
    )


@router.get(
    "",
    summary="Tokens and cost per project, agent, model or day",
    description="Sorted by key. `by=day` covers the window as `/api/stats/usage/timeseries` "
    "with `bucket=day` does (the last 60 days when no `since` is given), days without usage "
    "left out.",
)
async def get_usage(
    session: ReadingSession,
    filters: StatsFilterParams,
    by: Annotated[UsageKey, Query(description="What to break usage down by.")],
) -> list[UsageShareOut]:
    if by is UsageKey.DAY:
        filters = bucketed(filters, BucketUnit.DAY).filters
    sums = await usage_by(session, filters, by)
    keys = {key: key.date().isoformat() if isinstance(key, datetime) else key for key in sums}
    return [
        UsageShareOut(key=keys[key], **usage_out(sums[key]).model_dump())
        for key in sorted(sums, key=keys.__getitem__)
    ]


class UsagePointOut(UsageTotalsOut):
    start: datetime


class UsageSeriesOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "bucket": "day",
                    "since": "2024-01-01T00:00:00Z",
                    "until": "2024-01-02T00:00:00Z",
                    "points": [{"start": "2024-01-01T00:00:00Z", **USAGE_TOTALS_EXAMPLE}],
                }
            ]
        }
    )

    bucket: BucketUnit
    since: datetime
    until: datetime
    points: list[UsagePointOut] = Field(description="One per bucket, oldest first, zeros included.")


@router.get(
    "/timeseries",
    summary="Tokens and cost per minute, hour or day",
    description="Usage counts in the bucket its event happened in. Without `since`, the window "
    "is the last 60 buckets.",
)
async def get_usage_series(
    session: ReadingSession, filters: StatsFilterParams, bucket: BucketUnit = BucketUnit.HOUR
) -> UsageSeriesOut:
    window = bucketed(filters, bucket)
    sums = await usage_by(session, window.filters, UsageKey.DAY, unit=bucket)
    points = [
        UsagePointOut(start=start, **usage_out(sums.get(start) or UsageTotals()).model_dump())
        for start in window.starts(bucket)
    ]
    return UsageSeriesOut(bucket=bucket, since=window.since, until=window.until, points=points)


class CostlyTaskOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "project": "my-project",
                    "task_id": "task-123",
                    "title": "Build feature",
                    "agent": "claude-3-5",
                    "status": "completed",
                    "cost": 1.25,
                    "currency": "USD",
                    "usage": {**USAGE_TOTALS_EXAMPLE, "cost": {"USD": 1.25}},
                }
            ]
        }
    )

    project: str
    task_id: str
    title: str
    agent: str = Field(description="The agent of the task's newest event.")
    status: TaskStatus
    cost: float = Field(description="What the task's events in the filter cost, in `currency`.")
    currency: str
    usage: UsageTotalsOut = Field(description="The tokens and cost of those events.")


@router.get(
    "/tasks",
    summary="The tasks that cost the most",
    description="Ranked by the cost, in `currency`, of their events in the filter (all time "
    "without `since` and `until`); most expensive first.",
)
async def get_costly_tasks(
    session: ReadingSession,
    filters: StatsFilterParams,
    currency: Currency = DEFAULT_CURRENCY,
    limit: Annotated[int, Query(ge=1, le=100)] = 10,
) -> list[CostlyTaskOut]:
    return [
        CostlyTaskOut(
            project=t.project,
            task_id=t.task_id,
            title=t.title,
            agent=t.agent,
            status=TaskStatus(t.status),
            cost=float(t.cost),
            currency=currency,
            usage=usage_out(t.usage),
        )
        for t in await most_expensive_tasks(session, filters, currency, limit)
    ]

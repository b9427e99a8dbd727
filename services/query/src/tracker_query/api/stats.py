from datetime import datetime
from typing import Annotated, Any, Self

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field
from pydantic.config import JsonDict

from ..lifecycle import UsageTotals
from ..repositories import stats
from ..repositories.usage_stats import UsageKey, usage_by, usage_total
from . import usage_stats
from .deps import ReadingSession
from .schemas import USAGE_TOTALS_EXAMPLE, StatsOut, usage_out
from .stats_params import BucketUnit, StatsFilterParams, bucketed

router = APIRouter(prefix="/api/stats", tags=["statistics"])


@router.get("", summary="Totals, optionally for some projects, an agent or a time window")
async def get_stats(session: ReadingSession, filters: StatsFilterParams) -> StatsOut:
    totals = await stats.totals(session, filters)
    return StatsOut(
        total_projects=totals.projects,
        total_tasks=totals.tasks,
        active_tasks=totals.active,
        needs_input_tasks=totals.needs_input,
        completed_tasks=totals.completed,
        failed_tasks=totals.failed,
        average_duration=totals.average_duration,
        usage=usage_out(await usage_total(session, filters)),
    )


PROJECT_STATS_EXAMPLE: JsonDict = {
    "project": "my-project",
    "total_projects": 1,
    "total_tasks": 42,
    "active_tasks": 3,
    "needs_input_tasks": 1,
    "completed_tasks": 35,
    "failed_tasks": 4,
    "stale_tasks": 0,
    "average_duration": 2450.5,
    "success_rate": 0.897,
    "usage": USAGE_TOTALS_EXAMPLE,
}


class ProjectStatsOut(StatsOut):
    model_config = ConfigDict(json_schema_extra={"examples": [PROJECT_STATS_EXAMPLE]})

    project: str
    stale_tasks: int = Field(description="Active tasks that fell silent for too long.")
    success_rate: float | None = Field(description="Completed among finished tasks, 0-1.")

    @classmethod
    def of(cls, project: str, t: stats.Totals, usage: UsageTotals, **more: Any) -> Self:
        """The totals of one project, with the fields a subclass adds in `more`."""
        return cls(
            usage=usage_out(usage),
            project=project,
            total_projects=1,
            total_tasks=t.tasks,
            active_tasks=t.active,
            needs_input_tasks=t.needs_input,
            completed_tasks=t.completed,
            failed_tasks=t.failed,
            stale_tasks=t.stale,
            average_duration=t.average_duration,
            success_rate=t.success_rate,
            **more,
        )


@router.get("/projects", summary="Totals per project")
async def get_project_stats(
    session: ReadingSession, filters: StatsFilterParams
) -> list[ProjectStatsOut]:
    usage = await usage_by(session, filters, UsageKey.PROJECT)
    return [
        ProjectStatsOut.of(name, t, usage.get(name) or UsageTotals())
        for name, t in (await stats.totals_by_project(session, filters)).items()
    ]


class DurationsOut(BaseModel):
    count: int = Field(description="Completed tasks measured.")
    average: float | None
    p50: float | None
    p90: float | None
    p99: float | None
    longest: float | None


class OutcomesOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "completed_tasks": 35,
                    "failed_tasks": 4,
                    "success_rate": 0.897,
                    "durations": {
                        "count": 35,
                        "average": 2450.5,
                        "p50": 1800.0,
                        "p90": 5400.0,
                        "p99": 9000.0,
                        "longest": 9600.0,
                    },
                }
            ]
        }
    )

    completed_tasks: int
    failed_tasks: int
    success_rate: float | None = Field(description="Completed among finished tasks, 0-1.")
    durations: DurationsOut = Field(description="Seconds taken by completed tasks.")


@router.get("/outcomes", summary="Success rate and duration percentiles")
async def get_outcomes(session: ReadingSession, filters: StatsFilterParams) -> OutcomesOut:
    totals = await stats.totals(session, filters)
    durations = await stats.completed_durations(session, filters)
    return OutcomesOut(
        completed_tasks=totals.completed,
        failed_tasks=totals.failed,
        success_rate=totals.success_rate,
        durations=DurationsOut(**vars(durations)),
    )


class ErrorTypeOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "error_type": "RuntimeError",
                    "count": 3,
                    "last_seen": "2024-01-01T10:30:00Z",
                    "latest_message": "Execution failed",
                }
            ]
        }
    )

    error_type: str
    count: int
    last_seen: datetime | None
    latest_message: str | None


@router.get("/errors", summary="Error types of failed tasks, most frequent first")
async def get_error_types(
    session: ReadingSession,
    filters: StatsFilterParams,
    limit: Annotated[int, Query(ge=1, le=100)] = 10,
) -> list[ErrorTypeOut]:
    return [
        ErrorTypeOut(**vars(e)) for e in await stats.ranked_error_types(session, filters, limit)
    ]


class PointOut(BaseModel):
    start: datetime
    started: int
    completed: int
    failed: int


class TimeSeriesOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "bucket": "hour",
                    "since": "2024-01-01T08:00:00Z",
                    "until": "2024-01-01T10:00:00Z",
                    "points": [
                        {
                            "start": "2024-01-01T08:00:00Z",
                            "started": 4,
                            "completed": 3,
                            "failed": 0,
                        },
                        {
                            "start": "2024-01-01T09:00:00Z",
                            "started": 2,
                            "completed": 2,
                            "failed": 1,
                        },
                    ],
                }
            ]
        }
    )

    bucket: BucketUnit
    since: datetime
    until: datetime
    points: list[PointOut] = Field(description="One per bucket, oldest first, zeros included.")


@router.get(
    "/timeseries",
    summary="Tasks started, completed and failed per minute, hour or day",
    description="Starts count in the bucket they started in, outcomes in the bucket they ended "
    "in. Without `since`, the window is the last 60 buckets.",
)
async def get_time_series(
    session: ReadingSession, filters: StatsFilterParams, bucket: BucketUnit = BucketUnit.HOUR
) -> TimeSeriesOut:
    window = bucketed(filters, bucket)
    found = {b.start: b for b in await stats.time_series(session, window.filters, bucket)}
    points = []
    for start in window.starts(bucket):
        b = found.get(start)
        points.append(
            PointOut(
                start=start,
                started=b.started if b else 0,
                completed=b.completed if b else 0,
                failed=b.failed if b else 0,
            )
        )
    return TimeSeriesOut(bucket=bucket, since=window.since, until=window.until, points=points)


router.include_router(usage_stats.router)

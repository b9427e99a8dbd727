from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Annotated, Any, Self

from fastapi import APIRouter, Depends, HTTPException, Query
from pydantic import BaseModel, ConfigDict, Field
from pydantic.config import JsonDict

from tracker_contracts import Name, Timestamp

from ..repositories import stats
from .access import AllowedProjects
from .deps import ReadingSession
from .schemas import StatsOut

router = APIRouter(prefix="/api/stats", tags=["statistics"])

MAX_BUCKETS = 1000


async def _filters(
    allowed: AllowedProjects,
    project: Annotated[list[Name], Query(description="Only these projects; repeatable.")] = [],  # noqa: B006
    agent: Annotated[Name | None, Query(description="Only this agent's tasks.")] = None,
    since: Annotated[Timestamp | None, Query(description="Tasks started at or after.")] = None,
    until: Annotated[Timestamp | None, Query(description="Tasks started before.")] = None,
) -> stats.StatsFilter:
    if since is not None and until is not None and since >= until:
        raise HTTPException(
            422, [{"type": "value_error", "loc": ["query", "until"], "msg": "must be after since"}]
        )
    projects = frozenset(project) or None
    if allowed is not None:
        if projects is not None and not projects <= allowed:
            raise HTTPException(403, "This API key may not read some of these projects.")
        projects = projects or allowed
    return stats.StatsFilter(projects, agent, since, until)


StatsFilterParams = Annotated[stats.StatsFilter, Depends(_filters)]


@router.get("", summary="Totals, optionally for some projects, an agent or a time window")
async def get_stats(session: ReadingSession, filters: StatsFilterParams) -> StatsOut:
    totals = await stats.totals(session, filters)
    return StatsOut(
        total_projects=totals.projects,
        total_tasks=totals.tasks,
        active_tasks=totals.active,
        completed_tasks=totals.completed,
        failed_tasks=totals.failed,
        average_duration=totals.average_duration,
    )


PROJECT_STATS_EXAMPLE: JsonDict = {
    "project": "my-project",
    "total_projects": 1,
    "total_tasks": 42,
    "active_tasks": 3,
    "completed_tasks": 35,
    "failed_tasks": 4,
    "stale_tasks": 0,
    "average_duration": 2450.5,
    "success_rate": 0.897,
}


class ProjectStatsOut(StatsOut):
    model_config = ConfigDict(json_schema_extra={"examples": [PROJECT_STATS_EXAMPLE]})

    project: str
    stale_tasks: int = Field(description="Active tasks that fell silent for too long.")
    success_rate: float | None = Field(description="Completed among finished tasks, 0-1.")

    @classmethod
    def of(cls, project: str, t: stats.Totals, **more: Any) -> Self:
        """The totals of one project, with the fields a subclass adds in `more`."""
        return cls(
            project=project,
            total_projects=1,
            total_tasks=t.tasks,
            active_tasks=t.active,
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
    return [
        ProjectStatsOut.of(name, t)
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


class BucketUnit(StrEnum):
    MINUTE = "minute"
    HOUR = "hour"
    DAY = "day"

    @property
    def length(self) -> timedelta:
        return {"minute": timedelta(minutes=1), "hour": timedelta(hours=1)}.get(
            self, timedelta(days=1)
        )


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
    until = filters.until or datetime.now(UTC)
    try:
        since = _floor(filters.since or until - 60 * bucket.length, bucket)
    except OverflowError:
        since = datetime.min.replace(tzinfo=UTC)
    if (until - since) / bucket.length > MAX_BUCKETS or since >= until:
        raise HTTPException(
            422,
            [
                {
                    "type": "value_error",
                    "loc": ["query", "since"],
                    "msg": f"at most {MAX_BUCKETS} buckets",
                }
            ],
        )
    window = stats.StatsFilter(filters.projects, filters.agent, since, until)
    found = {b.start: b for b in await stats.time_series(session, window, bucket)}
    points = []
    start = since
    while start < until:
        b = found.get(start)
        points.append(
            PointOut(
                start=start,
                started=b.started if b else 0,
                completed=b.completed if b else 0,
                failed=b.failed if b else 0,
            )
        )
        start += bucket.length
    return TimeSeriesOut(bucket=bucket, since=since, until=until, points=points)


def _floor(moment: datetime, unit: BucketUnit) -> datetime:
    moment = moment.astimezone(UTC)
    if unit is BucketUnit.DAY:
        return moment.replace(hour=0, minute=0, second=0, microsecond=0)
    if unit is BucketUnit.HOUR:
        return moment.replace(minute=0, second=0, microsecond=0)
    return moment.replace(second=0, microsecond=0)

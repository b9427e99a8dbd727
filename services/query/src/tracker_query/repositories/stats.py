"""Statistics over tasks, within a filter of projects, an agent and a time window.

A task is in the window when it started in [since, until). Totals without a time window come
from `task_totals`, kept by a database trigger as tasks change (a few rows per project, agent and
status); the rest read the tasks table through its indexes on start time and project.
"""

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar, cast

from sqlalchemy import ColumnElement, ScalarSelect, Select, Text, func, select
from sqlalchemy.dialects.postgresql import ARRAY, aggregate_order_by
from sqlalchemy.ext.asyncio import AsyncSession

from tracker_contracts import ACTIVE_STATUSES, TaskStatus

from ..models import Agent, Project, Task, TaskTotals

SelectT = TypeVar("SelectT", bound=Select[*tuple[Any, ...]])

_ACTIVE = [str(s) for s in ACTIVE_STATUSES]
_COMPLETED = Task.status == TaskStatus.COMPLETED
_FAILED = Task.status == TaskStatus.FAILED


@dataclass(frozen=True)
class StatsFilter:
    projects: Collection[str] | None = None
    agent: str | None = None
    since: datetime | None = None
    until: datetime | None = None


def _within(query: SelectT, filters: StatsFilter) -> SelectT:
    """Keep only the tasks `filters` admit."""
    if filters.projects is not None:
        query = query.where(
            Task.project_id.in_(select(Project.id).where(Project.name.in_(list(filters.projects))))
        )
    if filters.agent is not None:
        query = query.where(Task.agent_id.in_(select(Agent.id).where(Agent.name == filters.agent)))
    if filters.since is not None:
        query = query.where(Task.started_at >= filters.since)
    if filters.until is not None:
        query = query.where(Task.started_at < filters.until)
    return query


@dataclass(frozen=True)
class Totals:
    projects: int
    tasks: int
    active: int
    completed: int
    failed: int
    stale: int
    needs_input: int
    average_duration: float | None

    @property
    def success_rate(self) -> float | None:
        finished = self.completed + self.failed
        return self.completed / finished if finished else None


# Built once rather than on every request: building SQL expressions costs CPU each time.
_TOTALS_COLUMNS = (
    func.count(),
    func.count().filter(Task.status.in_(_ACTIVE)),
    func.count().filter(_COMPLETED),
    func.count().filter(_FAILED),
    func.count().filter(Task.status == TaskStatus.STALE),
    func.count().filter(Task.status == TaskStatus.NEEDS_INPUT),
    func.avg(Task.duration).filter(_COMPLETED),
)


def totals_of(projects: int, row: Any) -> Totals:
    """Totals from a row of `_TOTALS_COLUMNS` or `KEPT_TOTALS_COLUMNS`."""
    tasks, active, completed, failed, stale, needs_input, average = row
    return Totals(
        int(projects),
        int(tasks),
        int(active),
        int(completed),
        int(failed),
        int(stale),
        int(needs_input),
        None if average is None else float(average),
    )


def _kept_totals_columns() -> tuple[Any, ...]:
    """The same numbers as `_TOTALS_COLUMNS`, summed from the kept totals."""
    kept = TaskTotals

    def tasks_where(condition: Any) -> Any:
        return func.coalesce(func.sum(kept.tasks).filter(condition), 0)

    completed = kept.status == TaskStatus.COMPLETED
    return (
        func.coalesce(func.sum(kept.tasks), 0),
        tasks_where(kept.status.in_(_ACTIVE)),
        tasks_where(completed),
        tasks_where(kept.status == TaskStatus.FAILED),
        tasks_where(kept.status == TaskStatus.STALE),
        tasks_where(kept.status == TaskStatus.NEEDS_INPUT),
        func.sum(kept.duration_sum).filter(completed)
        / func.nullif(func.sum(kept.durations).filter(completed), 0),
    )


KEPT_TOTALS_COLUMNS = _kept_totals_columns()  # built once, as _TOTALS_COLUMNS


def _within_kept(query: SelectT, filters: StatsFilter) -> SelectT:
    """Keep only the totals `filters` admit (kept totals have no time window)."""
    query = query.where(TaskTotals.tasks > 0)
    if filters.projects is not None:
        query = query.where(
            TaskTotals.project_id.in_(
                select(Project.id).where(Project.name.in_(list(filters.projects)))
            )
        )
    if filters.agent is not None:
        query = query.where(
            TaskTotals.agent_id.in_(select(Agent.id).where(Agent.name == filters.agent))
        )
    return query


def _timeless(filters: StatsFilter) -> bool:
    return filters.since is None and filters.until is None


async def totals(session: AsyncSession, filters: StatsFilter) -> Totals:
    """Totals in the filter: from the kept totals, or from the tasks of a time window."""
    if _timeless(filters):
        query = select(func.count(func.distinct(TaskTotals.project_id)), *KEPT_TOTALS_COLUMNS)
        projects, *kept = (await session.execute(_within_kept(query, filters))).one()
        return totals_of(projects, kept)
    query = _within(select(_projects_with_tasks(filters), *_TOTALS_COLUMNS), filters)
    projects, *counted = (await session.execute(query)).one()
    return totals_of(projects, counted)


def _projects_with_tasks(filters: StatsFilter) -> ScalarSelect[int]:
    """Projects having a task in the filter: one index probe per project, not a pass over tasks."""
    has_task = _within(select(Task.id).where(Task.project_id == Project.id), filters).exists()
    return select(func.count()).select_from(Project).where(has_task).scalar_subquery()


async def totals_by_project(session: AsyncSession, filters: StatsFilter) -> dict[str, Totals]:
    if _timeless(filters):
        kept = (
            select(Project.name, *KEPT_TOTALS_COLUMNS)
            .join(Project, Project.id == TaskTotals.project_id)
            .group_by(Project.name)
            .order_by(Project.name)
        )
        rows = await session.execute(_within_kept(kept, filters))
    else:
        counted = (
            select(Project.name, *_TOTALS_COLUMNS)
            .join(Project, Project.id == Task.project_id)
            .group_by(Project.name)
            .order_by(Project.name)
        )
        rows = await session.execute(_within(counted, filters))
    return {name: totals_of(1, rest) for name, *rest in rows}


@dataclass(frozen=True)
class Durations:
    count: int
    average: float | None
    p50: float | None
    p90: float | None
    p99: float | None
    longest: float | None


async def completed_durations(session: AsyncSession, filters: StatsFilter) -> Durations:
    """Percentiles of how long completed tasks took."""
    percentiles = (
        func.percentile_cont(0.5).within_group(Task.duration),
        *(func.percentile_cont(p).within_group(Task.duration) for p in (0.9, 0.99)),
    )
    query = select(func.count(), func.avg(Task.duration), *percentiles, func.max(Task.duration))
    row = (await session.execute(_within(query.where(_COMPLETED), filters))).one()
    count, *values = row
    return Durations(count, *(None if v is None else float(v) for v in values))


@dataclass(frozen=True)
class ErrorType:
    error_type: str
    count: int
    last_seen: datetime | None
    latest_message: str | None


async def ranked_error_types(
    session: AsyncSession, filters: StatsFilter, limit: int
) -> list[ErrorType]:
    """Error types of failed tasks, most frequent first."""
    newest_first = aggregate_order_by(Task.error_message, Task.finished_at.desc())
    latest = cast(
        ColumnElement[list[str]], func.array_agg(newest_first, type_=ARRAY(Text)).self_group()
    )
    query = (
        select(Task.error_type, func.count(), func.max(Task.finished_at), latest[1])
        .where(_FAILED)
        .group_by(Task.error_type)
        .order_by(func.count().desc(), Task.error_type)
        .limit(limit)
    )
    return [
        ErrorType(error_type or "", count, last_seen, message)
        for error_type, count, last_seen, message in await session.execute(_within(query, filters))
    ]


@dataclass(frozen=True)
class Bucket:
    start: datetime
    started: int
    completed: int
    failed: int


async def time_series(session: AsyncSession, filters: StatsFilter, unit: str) -> list[Bucket]:
    """Tasks started, and tasks that completed or failed, per `unit` (minute, hour or day).

    Starts count by their start time, outcomes by their end time, both within the window."""
    started_in = func.date_trunc(unit, Task.started_at, "UTC")
    ended_in = func.date_trunc(unit, Task.finished_at, "UTC")
    starts = _within(select(started_in, func.count()).group_by(started_in), filters)
    outcome_filter = StatsFilter(filters.projects, filters.agent)
    ends = _within(
        select(ended_in, func.count().filter(_COMPLETED), func.count().filter(_FAILED))
        .where(Task.finished_at.is_not(None))
        .group_by(ended_in),
        outcome_filter,
    )
    if filters.since is not None:
        ends = ends.where(Task.finished_at >= filters.since)
    if filters.until is not None:
        ends = ends.where(Task.finished_at < filters.until)
    counts: dict[datetime, list[int]] = {}
    for start, count in await session.execute(starts):
        counts.setdefault(start, [0, 0, 0])[0] = count
    for start, completed, failed in await session.execute(ends):
        counts.setdefault(start, [0, 0, 0])[1:] = [completed, failed]
    return [Bucket(start, *counts[start]) for start in sorted(counts)]

"""Pages of projects as the overview shows them: totals, last activity and starts per hour.

A page costs three statements whatever its size: the count of matching projects, the page of
projects with their kept totals (`task_totals`, by primary key), and the page's starts per hour
(`ix_tasks_project_started`, a range per project). The project list itself is small and read
whole; the tasks, which grow without bound, are read only through their index.
"""

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ..models import Project, Task, TaskTotals
from .stats import KEPT_TOTALS_COLUMNS, Totals, totals_of

HOUR = timedelta(hours=1)


class SummarySort(StrEnum):
    RECENT = "recent"
    NAME = "name"


@dataclass(frozen=True)
class ProjectSelection:
    """Which projects a page is taken from; every criterion left unset keeps all."""

    allowed: Collection[str] | None = None
    name_contains: str | None = None
    include_archived: bool = False

    def conditions(self) -> list[ColumnElement[bool]]:
        conditions: list[ColumnElement[bool]] = []
        if self.allowed is not None:
            conditions.append(Project.name.in_(list(self.allowed)))
        if self.name_contains:
            conditions.append(Project.name.icontains(self.name_contains, autoescape=True))
        if not self.include_archived:
            conditions.append(Project.archived_at.is_(None))
        return conditions


@dataclass(frozen=True)
class ProjectSummary:
    name: str
    updated_at: datetime
    totals: Totals
    started_per_hour: list[int]
    """Tasks started in each hour from the series' start, oldest first."""


async def count_projects(session: AsyncSession, selection: ProjectSelection) -> int:
    query = select(func.count()).select_from(Project).where(*selection.conditions())
    return int(await session.scalar(query) or 0)


def _order(sort: SummarySort, name: Any, updated_at: Any) -> tuple[Any, ...]:
    """Most recently active first, or by name; the name (unique) breaks ties."""
    return (name,) if sort is SummarySort.NAME else (updated_at.desc(), name)


async def summarize_projects(
    session: AsyncSession,
    selection: ProjectSelection,
    sort: SummarySort,
    limit: int,
    offset: int,
    series_since: datetime,
    hours: int,
) -> list[ProjectSummary]:
    """One page of projects in `sort` order, each with `hours` hourly counts of started tasks
    from `series_since` (the start of an hour) on."""
    page = (
        select(Project.id, Project.name, Project.updated_at)
        .where(*selection.conditions())
        .order_by(*_order(sort, Project.name, Project.updated_at))
        .limit(limit)
        .offset(offset)
        .subquery("page")
    )
    with_totals = (
        select(page.c.id, page.c.name, page.c.updated_at, *KEPT_TOTALS_COLUMNS)
        .select_from(
            page.outerjoin(
                TaskTotals, and_(TaskTotals.project_id == page.c.id, TaskTotals.tasks > 0)
            )
        )
        .group_by(page.c.id, page.c.name, page.c.updated_at)
        .order_by(*_order(sort, page.c.name, page.c.updated_at))
    )
    rows = (await session.execute(with_totals)).all()
    if not rows:
        return []
    series = await _started_per_hour(session, [row[0] for row in rows], series_since, hours)
    return [
        ProjectSummary(name, updated_at, totals_of(1, kept), series.get(id_, [0] * hours))
        for id_, name, updated_at, *kept in rows
    ]


async def _started_per_hour(
    session: AsyncSession, project_ids: Sequence[int], since: datetime, hours: int
) -> dict[int, list[int]]:
    hour = func.date_trunc("hour", Task.started_at, "UTC")
    query = (
        select(Task.project_id, hour, func.count())
        .where(
            Task.project_id.in_(project_ids),
            Task.started_at >= since,
            Task.started_at < since + hours * HOUR,
        )
        .group_by(Task.project_id, hour)
    )
    series: dict[int, list[int]] = {}
    for project_id, start, count in await session.execute(query):
        series.setdefault(project_id, [0] * hours)[int((start - since) / HOUR)] = count
    return series

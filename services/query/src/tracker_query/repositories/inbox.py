"""The inbox: tasks needing a person, oldest first.

A task is in the inbox while it needs input, has failed (within a window: old failures leave by
themselves) or is stale, and nobody dismissed it since its last event. It entered that status
with its last event, so `last_event_at` is both its order and how long it has waited.

Each reason is read on its own, oldest first, from the partial index `ix_tasks_inbox` (status,
last_event_at, id), and PostgreSQL merges the three ordered reads: a page reads about as many
index entries as it shows, and failures older than the window are never read at all.
"""

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Row,
    Select,
    func,
    literal,
    select,
    tuple_,
    union_all,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from tracker_contracts import TaskStatus

from ..models import Agent, Project, Task


class InboxReason(StrEnum):
    """Why a task needs a person: its status."""

    NEEDS_INPUT = TaskStatus.NEEDS_INPUT.value
    FAILED = TaskStatus.FAILED.value
    STALE = TaskStatus.STALE.value


DISMISSIBLE = frozenset({InboxReason.FAILED, InboxReason.STALE})
"""Reasons a person may dismiss; a task needing input leaves with its next event."""


@dataclass(frozen=True)
class InboxFilter:
    projects: Collection[str] | None = None
    """None: every project."""
    reasons: Collection[InboxReason] = ()
    """Empty: every reason."""
    failed_since: datetime | None = None
    """Failures whose last event is older leave the inbox."""


@dataclass(frozen=True)
class InboxKey:
    """Where a page ends: the last task's `since` and id."""

    since: datetime
    id: int


@dataclass(frozen=True)
class InboxPage:
    rows: list[Row[Any]]
    next: InboxKey | None
    """None on the last page."""


def _in_inbox(reason: InboxReason, where: InboxFilter) -> list[ColumnElement[bool]]:
    """The conditions of one reason's tasks, written as `ix_tasks_inbox`'s so that it serves."""
    conditions = [
        Task.status == reason.value,
        Task.dismissed_at.is_(None),
        Task.last_event_at.is_not(None),  # always set once an event is applied
    ]
    if reason is InboxReason.FAILED and where.failed_since is not None:
        conditions.append(Task.last_event_at >= where.failed_since)
    if where.projects is not None:
        named = select(Project.id).where(Project.name.in_(list(where.projects)))
        conditions.append(Task.project_id.in_(named))
    return conditions


def _reasons(where: InboxFilter) -> list[InboxReason]:
    return [reason for reason in InboxReason if not where.reasons or reason in where.reasons]


_ROW_COLUMNS = (
    Task.id,
    Task.status.label("reason"),
    Task.last_event_at.label("since"),
    func.greatest(func.extract("epoch", func.now() - Task.last_event_at), 0).label(
        "waiting_seconds"
    ),
    Project.name.label("project"),
    Task.task_id,
    Task.title,
    Agent.name.label("agent"),
    Task.progress,
    Task.message,
    Task.error_type,
    Task.error_message,
)


async def inbox_page(
    session: AsyncSession, where: InboxFilter, limit: int, after: InboxKey | None = None
) -> InboxPage:
    """Up to `limit` tasks of the inbox, oldest first, after `after`."""
    order = (Task.last_event_at, Task.id)
    reads: list[Select[int, datetime | None]] = []
    for reason in _reasons(where):
        read = select(Task.id, Task.last_event_at).where(*_in_inbox(reason, where))
        if after is not None:
            read = read.where(tuple_(*order) > tuple_(literal(after.since), literal(after.id)))
        reads.append(read.order_by(*order).limit(limit + 1))
    if not reads:
        return InboxPage([], None)
    merged = union_all(*reads).subquery("page")
    page = select(merged.c.id).order_by(merged.c.last_event_at, merged.c.id).limit(limit + 1)
    ids = list((await session.scalars(page)).all())
    query = (
        select(*_ROW_COLUMNS)
        .join(Project, Project.id == Task.project_id)
        .join(Agent, Agent.id == Task.agent_id)
        .where(Task.id.in_(ids[:limit]))
        .order_by(*order)
    )
    rows = list((await session.execute(query)).all()) if ids else []
    more = len(ids) > limit
    return InboxPage(rows, InboxKey(rows[-1].since, rows[-1].id) if more and rows else None)


async def inbox_counts(session: AsyncSession, where: InboxFilter) -> dict[InboxReason, int]:
    """How many tasks of each reason the inbox holds (each an index-only count)."""
    counts = [
        select(func.count()).select_from(Task).where(*_in_inbox(reason, where)).scalar_subquery()
        for reason in _reasons(where)
    ]
    if not counts:
        return {}
    row = (await session.execute(select(*counts))).one()
    return dict(zip(_reasons(where), (int(n) for n in row), strict=True))


async def dismiss_task(session: AsyncSession, project_id: int, task_id: str) -> str | None:
    """Hide a failed or stale task from the inbox until its next event. Returns the task's
    status (the task is left alone when it is not dismissible), or None when there is none."""
    dismissible = [reason.value for reason in DISMISSIBLE]
    status = await session.scalar(
        select(Task.status).where(Task.project_id == project_id, Task.task_id == task_id)
    )
    if status in dismissible:
        await session.execute(
            update(Task)
            .where(Task.project_id == project_id, Task.task_id == task_id)
            .where(Task.status.in_(dismissible))
            .values(dismissed_at=func.now())
            .execution_options(synchronize_session=False)
        )
    return status

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Float,
    Select,
    SQLColumnExpression,
    case,
    extract,
    func,
    literal_column,
    or_,
    select,
    tuple_,
)
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from tracker_contracts import TaskStatus

from ..models import Agent, EventRecord, Project, Task

TaskKey = tuple[int, str]
"""(project id, task id): what identifies a task."""


async def lock_tasks(
    session: AsyncSession, placeholders: Sequence[dict[str, Any]]
) -> dict[TaskKey, Task]:
    """Create the tasks not yet known as pending placeholders, then lock and return all of them.

    Each placeholder carries project_id, task_id, title and agent_id. Rows are locked in key
    order so that concurrent appliers touching the same tasks queue instead of deadlocking.
    """
    rows = sorted(placeholders, key=lambda row: (row["project_id"], row["task_id"]))
    table = Task.metadata.tables[Task.__tablename__]
    await session.execute(
        insert(table).on_conflict_do_nothing(index_elements=[table.c.project_id, table.c.task_id]),
        [{**row, "status": TaskStatus.PENDING, "progress": 0} for row in rows],
    )
    keys = [(row["project_id"], row["task_id"]) for row in rows]
    tasks = await session.scalars(
        select(Task)
        .where(tuple_(Task.project_id, Task.task_id).in_(keys))
        .order_by(Task.project_id, Task.task_id)
        .with_for_update()
    )
    return {(task.project_id, task.task_id): task for task in tasks}


@dataclass(frozen=True)
class TaskRow:
    task: Task
    project: str
    agent: str


def _task_rows() -> Select[Task, str, str]:
    return (
        select(Task, Project.name, Agent.name)
        .join(Project, Project.id == Task.project_id)
        .join(Agent, Agent.id == Task.agent_id)
    )


async def find_task(session: AsyncSession, project_id: int, task_id: str) -> TaskRow | None:
    query = _task_rows().where(Task.project_id == project_id, Task.task_id == task_id)
    found = (await session.execute(query)).first()
    return None if found is None else TaskRow(*found)


async def task_history(session: AsyncSession, task_pk: int) -> Sequence[EventRecord]:
    """Every event of a task in the order it happened (ties: in the order it arrived)."""
    query = (
        select(EventRecord)
        .where(EventRecord.task_pk == task_pk)
        .order_by(EventRecord.occurred_at, EventRecord.id)
    )
    return (await session.scalars(query)).all()


class TaskSort(StrEnum):
    """Orders of a task list: each puts the greatest key first, then the greatest id."""

    STARTED = "started"
    UPDATED = "updated"
    DURATION = "duration"


# Constants are SQL literals, not parameters, so that the planner matches this expression to
# the ix_tasks_project_duration index. -1 puts tasks without a duration (unfinished) last.
_DURATION_KEY = case(
    (Task.finished_at.is_(None), literal_column("-1", Float)),
    else_=func.coalesce(
        Task.duration_seconds,
        func.greatest(extract("epoch", Task.finished_at - Task.started_at), literal_column("0")),
    ),
)
# Each sorted descending, where PostgreSQL puts NULL first: so the (..., key, id) indexes serve
# the order read backwards. (A started_at is NULL only until a task's first event is applied.)
_SORT_KEYS: dict[TaskSort, SQLColumnExpression[Any]] = {
    TaskSort.STARTED: Task.started_at,
    TaskSort.UPDATED: Task.updated_at,
    TaskSort.DURATION: _DURATION_KEY,
}


@dataclass(frozen=True)
class TaskFilter:
    """Which tasks a list holds; every criterion left unset keeps all."""

    project_id: int | None = None
    projects: Collection[str] | None = None
    statuses: Collection[TaskStatus] = ()
    agent: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    title_contains: str | None = None


@dataclass(frozen=True)
class PageKey:
    """The sort key and id of the last task of a page: the next page starts after it."""

    key: datetime | float | None
    id: int


@dataclass(frozen=True)
class TaskPage:
    rows: list[TaskRow]
    next: PageKey | None
    """None on the last page."""


def _conditions(where: TaskFilter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if where.project_id is not None:
        conditions.append(Task.project_id == where.project_id)
    if where.projects is not None:
        named = select(Project.id).where(Project.name.in_(list(where.projects)))
        conditions.append(Task.project_id.in_(named))
    if where.statuses:
        conditions.append(Task.status.in_([str(s) for s in where.statuses]))
    if where.agent is not None:
        # A scalar subquery, not a join, so that the agent's tasks come in index order.
        agent_id = select(Agent.id).where(Agent.name == where.agent).scalar_subquery()
        conditions.append(Task.agent_id == agent_id)
    if where.since is not None:
        conditions.append(Task.started_at >= where.since)
    if where.until is not None:
        conditions.append(Task.started_at < where.until)
    if where.title_contains:
        pattern = re.sub(r"([\\%_])", r"\\\1", where.title_contains)
        conditions.append(Task.title.ilike(f"%{pattern}%", escape="\\"))
    return conditions


def _after(key: SQLColumnExpression[Any], last: PageKey) -> ColumnElement[bool]:
    """The tasks that follow `last` in the order `key DESC, id DESC` (NULL keys first)."""
    if last.key is None:
        return or_(key.is_not(None), Task.id < last.id)
    return tuple_(key, Task.id) < (last.key, last.id)


async def list_tasks(
    session: AsyncSession,
    where: TaskFilter,
    sort: TaskSort,
    limit: int,
    *,
    offset: int = 0,
    after: PageKey | None = None,
) -> TaskPage:
    """One page of the matching tasks: those after `after` when given, else from `offset`."""
    key = _SORT_KEYS[sort]
    query = (
        _task_rows()
        .add_columns(key)
        .where(*_conditions(where))
        .order_by(key.desc(), Task.id.desc())
        .limit(limit + 1)
        .offset(offset)
    )
    if after is not None:
        query = query.where(_after(key, after))
    found = (await session.execute(query)).all()
    rows = [TaskRow(task, project, agent) for task, project, agent, _ in found[:limit]]
    if len(found) <= limit:
        return TaskPage(rows, None)
    last_task, _, _, last_key = found[limit - 1]
    return TaskPage(rows, PageKey(last_key, last_task.id))


async def count_matching_tasks(session: AsyncSession, where: TaskFilter) -> int:
    query = select(func.count()).select_from(Task).where(*_conditions(where))
    return await session.scalar(query) or 0

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select, tuple_
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from tracker_contracts import ACTIVE_STATUSES, TaskStatus

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
    await session.execute(
        insert(Task)
        .values([{**row, "status": TaskStatus.PENDING, "progress": 0} for row in rows])
        .on_conflict_do_nothing(index_elements=[Task.project_id, Task.task_id])
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


async def list_project_tasks(
    session: AsyncSession,
    project_id: int,
    statuses: Collection[TaskStatus],
    limit: int,
    offset: int,
) -> list[TaskRow]:
    """A project's tasks, most recently started first."""
    query = (
        _task_rows()
        .where(Task.project_id == project_id)
        .order_by(Task.started_at.desc().nulls_last(), Task.id.desc())
        .limit(limit)
        .offset(offset)
    )
    if statuses:
        query = query.where(Task.status.in_([str(s) for s in statuses]))
    return [TaskRow(task, project, agent) for task, project, agent in await session.execute(query)]


@dataclass(frozen=True)
class TaskCounts:
    total: int
    active: int
    completed: int
    failed: int
    average_duration: float | None


async def count_tasks(session: AsyncSession, projects: Collection[str] | None = None) -> TaskCounts:
    """Tasks by outcome (in the named projects, when given)."""
    completed = Task.status == TaskStatus.COMPLETED
    query = select(
        func.count(),
        func.count().filter(Task.status.in_([str(s) for s in ACTIVE_STATUSES])),
        func.count().filter(completed),
        func.count().filter(Task.status == TaskStatus.FAILED),
        func.avg(Task.duration).filter(completed),
    ).select_from(Task)
    if projects is not None:
        query = query.join(Project, Project.id == Task.project_id).where(
            Project.name.in_(list(projects))
        )
    row = (await session.execute(query)).one()
    total, active, done, failed, average = row
    return TaskCounts(total, active, done, failed, None if average is None else float(average))

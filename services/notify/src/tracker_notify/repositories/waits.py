"""Waits: tasks in status needs_input, until their next event or until they are due."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from ..models import waits


@dataclass(frozen=True)
class Wait:
    project: str
    task_id: str
    opened_by: str
    since: datetime
    task: dict[str, Any]


async def begin_wait(
    session: AsyncSession,
    project: str,
    task_id: str,
    opened_by: str,
    since: datetime,
    due_at: datetime,
    task: dict[str, Any],
) -> None:
    """Remember the wait; a wait already running for the task keeps its start."""
    await session.execute(
        insert(waits)
        .values(
            project=project,
            task_id=task_id,
            opened_by=opened_by,
            since=since,
            due_at=due_at,
            task=task,
        )
        .on_conflict_do_nothing(index_elements=["project", "task_id"])
    )


async def end_wait(session: AsyncSession, project: str, task_id: str, at: datetime) -> None:
    """The task was heard of at `at`: a wait that began before then is over."""
    await session.execute(
        delete(waits).where(
            waits.c.project == project, waits.c.task_id == task_id, waits.c.since < at
        )
    )


_TAKE_DUE = text("""
    DELETE FROM notify.waits AS w
    USING (
        SELECT project, task_id FROM notify.waits WHERE due_at <= :now
        ORDER BY due_at LIMIT :limit FOR UPDATE SKIP LOCKED
    ) AS due
    WHERE w.project = due.project AND w.task_id = due.task_id
    RETURNING w.project, w.task_id, w.opened_by, w.since, w.task
""")


async def take_due_waits(session: AsyncSession, now: datetime, limit: int) -> list[Wait]:
    """Remove and return waits due by `now`, skipping those another replica holds."""
    taken = await session.execute(_TAKE_DUE, {"now": now, "limit": limit})
    return [Wait(r.project, r.task_id, r.opened_by, r.since, r.task) for r in taken]

"""Failures: tasks that failed, so that their further errors count as the same failure until
the task is heard of otherwise (a retry's start, a status, a finish)."""

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from ..models import failures


async def begin_failure(session: AsyncSession, project: str, task_id: str, at: datetime) -> bool:
    """Whether an error at `at` begins a failure: False while the task is failing already."""
    began = await session.execute(
        insert(failures)
        .values(project=project, task_id=task_id, since=at)
        .on_conflict_do_nothing(index_elements=["project", "task_id"])
        .returning(failures.c.since)
    )
    return began.first() is not None


async def end_failure(session: AsyncSession, project: str, task_id: str, at: datetime) -> None:
    """The task was heard of at `at` otherwise than by an error: a failure before then is over."""
    await session.execute(
        delete(failures).where(
            failures.c.project == project, failures.c.task_id == task_id, failures.c.since < at
        )
    )

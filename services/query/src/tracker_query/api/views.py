"""Turning repository rows into response bodies."""

from tracker_contracts import TaskStatus

from ..repositories.tasks import TaskRow
from .schemas import TaskOut


def task_out(row: TaskRow) -> TaskOut:
    task = row.task
    return TaskOut(
        id=task.id,
        task_id=task.task_id,
        title=task.title,
        status=TaskStatus(task.status),
        progress=task.progress,
        started_at=task.started_at,
        project=row.project,
        agent=row.agent,
        message=task.message,
        result=task.result,
        error_type=task.error_type,
        error_message=task.error_message,
        metadata=task.details,
        finished_at=task.finished_at,
        duration_seconds=task.duration,
        updated_at=task.updated_at,
    )

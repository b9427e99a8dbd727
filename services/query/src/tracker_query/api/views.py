"""Turning repository rows into response bodies."""

from ..repositories.tasks import TaskRow
from .schemas import TaskOut


def task_out(row: TaskRow) -> TaskOut:
    return TaskOut(**row._mapping)

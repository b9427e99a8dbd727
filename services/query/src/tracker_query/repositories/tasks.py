import json
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Float,
    Row,
    SQLColumnExpression,
    case,
    extract,
    func,
    literal_column,
    or_,
    select,
    text,
    tuple_,
)
from sqlalchemy.ext.asyncio import AsyncSession

from tracker_contracts import TaskStatus

from ..lifecycle import TaskState, UsageTotals
from ..models import Agent, EventRecord, Project, Task

TaskKey = tuple[int, str]
"""(project id, task id): what identifies a task."""


@dataclass(slots=True)
class LockedTask:
    pk: int
    state: TaskState


_STATE_COLUMNS = """title, agent_id, status, progress, message, result, error_type, error_message,
    stack_trace, metadata, metadata_truncated, started_at, finished_at, duration_seconds,
    last_event_at, usage"""

_STATE_ARRAYS = """CAST(:titles AS text[]), CAST(:agent_ids AS integer[]),
    CAST(:statuses AS text[]), CAST(:progress AS smallint[]), CAST(:messages AS text[]),
    CAST(:results AS text[]), CAST(:error_types AS text[]), CAST(:error_messages AS text[]),
    CAST(:stack_traces AS text[]), CAST(:details AS text[]), CAST(:truncated AS boolean[]),
    CAST(:started_at AS timestamptz[]), CAST(:finished_at AS timestamptz[]),
    CAST(:durations AS float8[]), CAST(:last_event_at AS timestamptz[]),
    CAST(:usages AS text[])"""

# What task lists show of a task's metadata when all of it would take more than this: the keys
# that fit, by the function of migration 0006 (full metadata stays in the task's own view).
LIST_METADATA_MAX_BYTES = 2048

_INSERT = text(f"""
    INSERT INTO tasks (project_id, task_id, {_STATE_COLUMNS}, metadata_preview)
    SELECT project_id, task_id, title, agent_id, status, progress, message, result, error_type,
           error_message, stack_trace, metadata::jsonb, metadata_truncated, started_at,
           finished_at, duration_seconds, last_event_at, usage::jsonb,
           metadata_within(metadata::jsonb, {LIST_METADATA_MAX_BYTES})
    FROM unnest(CAST(:project_ids AS integer[]), CAST(:task_ids AS text[]), {_STATE_ARRAYS})
         AS n (project_id, task_id, {_STATE_COLUMNS})
    ORDER BY project_id, task_id
    ON CONFLICT (project_id, task_id) DO NOTHING
    RETURNING id, project_id, task_id
""")

_LOCK = text("""
    SELECT t.id, t.project_id, t.task_id, t.title, t.agent_id, t.status, t.progress, t.message,
           t.result, t.error_type, t.error_message, t.stack_trace, t.metadata::text AS details,
           t.metadata_truncated, t.started_at, t.finished_at, t.duration_seconds, t.last_event_at,
           t.usage::text AS usage
    FROM tasks AS t
    JOIN unnest(CAST(:project_ids AS integer[]), CAST(:task_ids AS text[]))
         AS k (project_id, task_id) ON t.project_id = k.project_id AND t.task_id = k.task_id
    ORDER BY t.project_id, t.task_id
    FOR UPDATE OF t
""")

_SAVE = text(f"""
    UPDATE tasks AS t SET
        title = n.title, agent_id = n.agent_id, status = n.status, progress = n.progress,
        message = n.message, result = n.result, error_type = n.error_type,
        error_message = n.error_message, stack_trace = n.stack_trace,
        metadata = n.metadata::jsonb, metadata_truncated = n.metadata_truncated,
        metadata_preview = metadata_within(n.metadata::jsonb, {LIST_METADATA_MAX_BYTES}),
        started_at = n.started_at, finished_at = n.finished_at,
        duration_seconds = n.duration_seconds, last_event_at = n.last_event_at,
        usage = n.usage::jsonb, updated_at = now(), dismissed_at = NULL
    FROM unnest(CAST(:pks AS bigint[]), {_STATE_ARRAYS}) AS n (id, {_STATE_COLUMNS})
    WHERE t.id = n.id
""")


async def lock_tasks(session: AsyncSession, keys: Collection[TaskKey]) -> dict[TaskKey, LockedTask]:
    """Lock and return those of the tasks that exist.

    Rows are locked in key order so that concurrent appliers touching the same tasks queue
    instead of deadlocking.
    """
    locked = {}
    rows = await session.execute(
        _LOCK,
        {"project_ids": [key[0] for key in keys], "task_ids": [key[1] for key in keys]},
    )
    for row in rows.mappings():
        fields = dict(row)
        pk, key = fields.pop("id"), (fields.pop("project_id"), fields.pop("task_id"))
        if fields["details"] is not None:
            # PostgreSQL writes JSON with the separators the lifecycle counts: its length is
            # the size, without measuring each entry again.
            text_size = len(fields["details"].encode())
            fields["details"] = json.loads(fields["details"])
            fields["details_size"] = text_size if fields["details"] else 0
        if fields["usage"] is not None:
            fields["usage"] = UsageTotals.from_json(fields["usage"])
        locked[key] = LockedTask(pk, TaskState(**fields))
    return locked


async def insert_tasks(
    session: AsyncSession, tasks: Mapping[TaskKey, TaskState]
) -> dict[TaskKey, int]:
    """Insert new task rows and return their ids (a task that exists already is left out)."""
    if not tasks:
        return {}
    rows = await session.execute(
        _INSERT,
        {
            "project_ids": [key[0] for key in tasks],
            "task_ids": [key[1] for key in tasks],
            **_state_arrays(list(tasks.values())),
        },
    )
    return {(project_id, task_id): pk for pk, project_id, task_id in rows}


async def save_tasks(session: AsyncSession, tasks: Sequence[LockedTask]) -> None:
    """Write the states of locked tasks back to their rows."""
    if not tasks:
        return
    await session.execute(
        _SAVE,
        {"pks": [task.pk for task in tasks], **_state_arrays([task.state for task in tasks])},
    )


def _state_arrays(states: Sequence[TaskState]) -> dict[str, list[Any]]:
    return {
        "titles": [s.title for s in states],
        "agent_ids": [s.agent_id for s in states],
        "statuses": [str(s.status) for s in states],
        "progress": [s.progress for s in states],
        "messages": [s.message for s in states],
        "results": [s.result for s in states],
        "error_types": [s.error_type for s in states],
        "error_messages": [s.error_message for s in states],
        "stack_traces": [s.stack_trace for s in states],
        "details": [None if s.details is None else json.dumps(s.details) for s in states],
        "truncated": [s.metadata_truncated for s in states],
        "started_at": [s.started_at for s in states],
        "finished_at": [s.finished_at for s in states],
        "durations": [s.duration_seconds for s in states],
        "last_event_at": [s.last_event_at for s in states],
        "usages": [None if s.usage is None else s.usage.to_json() for s in states],
    }


TaskRow = Row[Any]
"""A task as the API shows it: the columns of `_TASK_COLUMNS`, by name."""

# Plain columns named as the API names them, not ORM objects: building those for a page took
# more CPU than the database spends reading the page.
_TASK_COLUMNS = (
    Task.id,
    Task.task_id,
    Task.title,
    Task.status,
    Task.progress,
    Task.started_at,
    Project.name.label("project"),
    Agent.name.label("agent"),
    Task.message,
    Task.result,
    Task.error_type,
    Task.error_message,
    Task.finished_at,
    Task.duration.label("duration_seconds"),
    Task.updated_at,
    Task.last_event_at,
    Task.usage,
)
_FULL_METADATA = (Task.details.label("metadata"), Task.metadata_truncated)
# A list shows at most LIST_METADATA_MAX_BYTES of each task's metadata, so a page stays small
# whatever its tasks hold; the full object (up to 64 KiB) is not even read from its row.
_LISTED_METADATA = (
    func.coalesce(Task.metadata_preview, Task.details).label("metadata"),
    or_(Task.metadata_truncated, Task.metadata_preview.is_not(None)).label("metadata_truncated"),
)


_TASK_ROWS = (
    select(*_TASK_COLUMNS)
    .select_from(Task)
    .join(Project, Project.id == Task.project_id)
    .join(Agent, Agent.id == Task.agent_id)
)


async def find_task(session: AsyncSession, project_id: int, task_id: str) -> TaskRow | None:
    """The task with all its metadata and its stack trace."""
    query = _TASK_ROWS.add_columns(*_FULL_METADATA, Task.stack_trace).where(
        Task.project_id == project_id, Task.task_id == task_id
    )
    return (await session.execute(query)).first()


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

    project: str | None = None
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
    # Scalar subqueries, not joins nor a round trip of their own, so that one project's or one
    # agent's tasks come in index order.
    if where.project is not None:
        project_id = select(Project.id).where(Project.name == where.project).scalar_subquery()
        conditions.append(Task.project_id == project_id)
    if where.projects is not None:
        named = select(Project.id).where(Project.name.in_(list(where.projects)))
        conditions.append(Task.project_id.in_(named))
    if where.statuses:
        conditions.append(Task.status.in_([str(s) for s in where.statuses]))
    if where.agent is not None:
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
        _TASK_ROWS.add_columns(*_LISTED_METADATA, key.label("page_key"))
        .where(*_conditions(where))
        .order_by(key.desc(), Task.id.desc())
        .limit(limit + 1)
        .offset(offset)
    )
    if after is not None:
        query = query.where(_after(key, after))
    rows = list((await session.execute(query)).all())
    if len(rows) <= limit:
        return TaskPage(rows, None)
    last = rows[limit - 1]
    return TaskPage(rows[:limit], PageKey(last.page_key, last.id))


async def count_matching_tasks(session: AsyncSession, where: TaskFilter) -> int:
    query = select(func.count()).select_from(Task).where(*_conditions(where))
    return await session.scalar(query) or 0

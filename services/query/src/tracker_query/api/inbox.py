"""The inbox: every task needing a person, oldest first, and dismissing failed or stale ones."""

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Response
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator

from tracker_contracts import Name

from ..errors import TaskNotFound
from ..repositories.inbox import (
    DISMISSIBLE,
    InboxFilter,
    InboxKey,
    InboxReason,
    dismiss_task,
    inbox_counts,
    inbox_page,
)
from ..repositories.projects import find_project_id
from .access import Admin, AllowedProjects, searched_projects
from .deps import ReadingSession, Session
from .filters import NEXT_CURSOR, Moment, pack_cursor, unpack_cursor

router = APIRouter(prefix="/api/inbox", tags=["inbox"])

_FORBIDDEN = "The API key is limited to projects other than one named."


class _Cursor(BaseModel):
    since: Moment
    id: int = Field(ge=0, lt=2**63)


def _encode_cursor(key: InboxKey) -> str:
    return pack_cursor({"since": key.since.isoformat(), "id": key.id})


def _decode_cursor(text: str) -> InboxKey:
    cursor = unpack_cursor(text, _Cursor, "the inbox")
    return InboxKey(cursor.since, cursor.id)


def _seconds_or_duration(value: object) -> object:
    """A query parameter of digits counts seconds; other text is read as an ISO-8601 duration."""
    return int(value) if isinstance(value, str) and value.isdigit() else value


class InboxQuery(BaseModel):
    limit: int = Field(50, ge=1, le=500, description="Tasks per page.")
    cursor: str | None = Field(
        None, description="Where the page starts: the `X-Next-Cursor` header of the previous page."
    )
    project: list[Name] = Field(
        default_factory=list,
        description="Keep only the tasks of these projects; repeatable. A key limited to some "
        "projects sees all of them by default and may name only them.",
    )
    reason: list[InboxReason] = Field(
        default_factory=list, description="Keep only these reasons; repeatable."
    )
    failed_within: Annotated[timedelta, BeforeValidator(_seconds_or_duration)] = Field(
        timedelta(days=7),
        ge=timedelta(minutes=1),
        le=timedelta(days=3650),
        description="Failed tasks stay in the inbox this long after their failure (unless "
        "dismissed): seconds, or an ISO-8601 duration such as `P7D` (the default).",
    )

    @field_validator("cursor")
    @classmethod
    def _a_cursor(cls, value: str | None) -> str | None:
        if value is not None:
            _decode_cursor(value)
        return value


class InboxTaskOut(BaseModel):
    reason: InboxReason = Field(description="Why the task needs a person: its status.")
    since: datetime = Field(
        description="When the task entered that status: the time of its last event."
    )
    waiting_seconds: float = Field(description="How long it has waited since, in seconds.")
    project: str
    task_id: str
    title: str
    agent: str
    progress: int
    message: str | None = Field(description="The task's last message (the question it asks).")
    error_type: str | None
    error_message: str | None


class InboxOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "tasks": [
                        {
                            "reason": "needs_input",
                            "since": "2026-01-01T10:15:00Z",
                            "waiting_seconds": 312.5,
                            "project": "my-project",
                            "task_id": "task-123",
                            "title": "Build feature",
                            "agent": "claude-code",
                            "progress": 40,
                            "message": "Claude needs your permission to use Bash",
                            "error_type": None,
                            "error_message": None,
                        }
                    ],
                    "total": 3,
                    "counts": {"needs_input": 1, "failed": 1, "stale": 1},
                }
            ]
        }
    )

    tasks: list[InboxTaskOut] = Field(description="This page, oldest first.")
    total: int = Field(description="Tasks in the inbox over all pages, within the filters.")
    counts: dict[InboxReason, int] = Field(description="`total` by reason.")


class DismissIn(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"project": "my-project", "task_id": "task-123"}]}
    )

    project: Name
    task_id: Name


@router.get(
    "",
    summary="Tasks needing a person (needing input, failed, stale), oldest first",
    responses={
        200: {
            "headers": {
                NEXT_CURSOR: {
                    "description": "Pass as `cursor` to get the next page; absent on the last "
                    "page.",
                    "schema": {"type": "string"},
                }
            }
        },
        403: {"description": _FORBIDDEN},
    },
)
async def get_inbox(
    session: ReadingSession,
    allowed: AllowedProjects,
    query: Annotated[InboxQuery, Query()],
    response: Response,
) -> InboxOut:
    """Across the projects the key may see. A failed or stale task stays until dismissed (or,
    failed, until older than `failed_within`); any newer event of the task brings it back or
    takes it out."""
    where = InboxFilter(
        projects=searched_projects(query.project, allowed),
        reasons=query.reason,
        failed_since=datetime.now(UTC) - query.failed_within,
    )
    after = None if query.cursor is None else _decode_cursor(query.cursor)
    page = await inbox_page(session, where, query.limit, after)
    if page.next is not None:
        response.headers[NEXT_CURSOR] = _encode_cursor(page.next)
    counts = await inbox_counts(session, where)
    return InboxOut(
        tasks=[InboxTaskOut(**row._mapping) for row in page.rows],
        total=sum(counts.values()),
        counts=counts,
    )


_DISMISS_RESPONSES: dict[int | str, dict[str, Any]] = {
    403: {"description": "Not the admin scope, or a project the key may not access."},
    404: {"description": "No such task."},
    409: {"description": "The task is neither failed nor stale."},
}


@router.post(
    "/dismiss",
    status_code=204,
    summary="Hide a failed or stale task from the inbox until its next event (admin)",
    responses=_DISMISS_RESPONSES,
)
async def dismiss(
    body: DismissIn, session: Session, allowed: AllowedProjects, _: Admin
) -> Response:
    searched_projects([body.project], allowed)
    async with session.begin():
        project_id = await find_project_id(session, body.project)
        status = (
            None if project_id is None else await dismiss_task(session, project_id, body.task_id)
        )
    if status is None:
        raise TaskNotFound(body.project, body.task_id)
    if status not in DISMISSIBLE:
        raise HTTPException(
            409,
            f"Task {body.task_id!r} is {status}: only failed or stale tasks are dismissed; one "
            "needing input leaves the inbox with its next event.",
        )
    return Response(status_code=204)

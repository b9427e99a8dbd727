"""Query parameters of the task lists, the cursor that pages through them, and one page."""

import base64
import json
from collections.abc import Collection
from datetime import UTC, datetime
from typing import Annotated, Any, Self, TypeVar

from fastapi import Response
from pydantic import (
    AfterValidator,
    BaseModel,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)
from sqlalchemy.ext.asyncio import AsyncSession

from tracker_contracts import Name, TaskStatus, Timestamp

from ..repositories.tasks import (
    PageKey,
    TaskFilter,
    TaskRow,
    TaskSort,
    count_matching_tasks,
    list_tasks,
)

NEXT_CURSOR = "X-Next-Cursor"
TOTAL_COUNT = "X-Total-Count"
PAGE_HEADERS: dict[int | str, dict[str, Any]] = {
    200: {
        "headers": {
            NEXT_CURSOR: {
                "description": "Pass as `cursor` to get the next page; absent on the last page.",
                "schema": {"type": "string"},
            },
            TOTAL_COUNT: {
                "description": "How many tasks match, over all pages; sent only with `count=true`.",
                "schema": {"type": "integer"},
            },
        }
    }
}


def _has_no_nul(value: str) -> str:
    # PostgreSQL text cannot hold U+0000.
    if "\x00" in value:
        raise ValueError("must not contain the NUL character")
    return value


def _in_utc(value: datetime) -> datetime:
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise ValueError("is out of range in UTC") from None


SearchText = Annotated[str, StringConstraints(max_length=200), AfterValidator(_has_no_nul)]
Moment = Annotated[Timestamp, AfterValidator(_in_utc)]


class _Cursor(BaseModel):
    sort: TaskSort
    key: Moment | float | None
    id: int = Field(ge=0, lt=2**63)


_C = TypeVar("_C", bound=BaseModel)


def pack_cursor(fields: dict[str, Any]) -> str:
    """A cursor: its fields as compact JSON in URL-safe base64, without padding."""
    data = json.dumps(fields, separators=(",", ":"))
    return base64.urlsafe_b64encode(data.encode()).decode().rstrip("=")


def unpack_cursor(text: str, model: type[_C], of: str) -> _C:
    """The fields of a cursor `pack_cursor` made, as `model`; else a ValueError naming `of`."""
    try:
        return model.model_validate_json(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
    except ValueError:  # undecodable, not JSON, or not a cursor's fields
        raise ValueError(f"is not a cursor of {of}") from None


def encode_cursor(sort: TaskSort, last: PageKey) -> str:
    key = last.key.isoformat() if isinstance(last.key, datetime) else last.key
    return pack_cursor({"sort": sort, "key": key, "id": last.id})


def decode_cursor(text: str, sort: TaskSort) -> PageKey:
    cursor = unpack_cursor(text, _Cursor, "this list")
    if cursor.sort is not sort:
        raise ValueError(f"belongs to sort={cursor.sort}, not sort={sort}")
    if isinstance(cursor.key, float) != (sort is TaskSort.DURATION):  # else a time, or None
        raise ValueError("is not a cursor of this list")
    return PageKey(cursor.key, cursor.id)


class TaskListQuery(BaseModel):
    """Which tasks a list holds, in which order, and which page of them."""

    limit: int = Field(50, ge=1, le=500, description="Tasks per page.")
    offset: int = Field(
        0,
        ge=0,
        le=1_000_000,
        description="Tasks to skip. Give either `offset` or `cursor`; a cursor stays fast deep "
        "into a list and neither repeats nor skips tasks when new ones arrive between pages.",
    )
    status: list[TaskStatus] = Field(
        default_factory=list, description="Keep only these statuses; repeatable."
    )
    agent: Name | None = Field(None, description="Keep only the tasks of the agent of this name.")
    since: Moment | None = Field(
        None, description="Keep only tasks started at or after this ISO-8601 time with offset."
    )
    until: Moment | None = Field(
        None, description="Keep only tasks started before this ISO-8601 time with offset."
    )
    q: SearchText | None = Field(
        None, description="Keep only tasks whose title contains this text, ignoring case."
    )
    sort: TaskSort = Field(
        TaskSort.STARTED,
        description="`started`: most recently started first; `updated`: most recently changed "
        "first; `duration`: longest first, tasks without a duration (unfinished) last.",
    )
    cursor: str | None = Field(
        None,
        description="Where the page starts: the `X-Next-Cursor` header of the previous page, "
        "asked for with the same filters and `sort`.",
    )
    count: bool = Field(
        False,
        description="Also send `X-Total-Count`, the number of matching tasks over all pages. "
        "Off by default: counting reads every match, while a page reads only its own tasks.",
    )

    @field_validator("cursor")
    @classmethod
    def _cursor_of_this_sort(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is not None and "sort" in info.data:
            decode_cursor(value, info.data["sort"])
        return value

    @model_validator(mode="after")
    def _one_way_to_page(self) -> Self:
        if self.cursor is not None and "offset" in self.model_fields_set:
            raise ValueError("give either offset or cursor, not both")
        return self

    @property
    def after(self) -> PageKey | None:
        return None if self.cursor is None else decode_cursor(self.cursor, self.sort)

    def where(
        self, *, project: str | None = None, projects: Collection[str] | None = None
    ) -> TaskFilter:
        """The tasks these parameters keep, within one project or some projects when given."""
        return TaskFilter(
            project=project,
            projects=projects,
            statuses=self.status,
            agent=self.agent,
            since=self.since,
            until=self.until,
            title_contains=self.q,
        )


class TaskSearchQuery(TaskListQuery):
    project: list[Name] = Field(
        default_factory=list,
        description="Keep only the tasks of these projects; repeatable. A key limited to some "
        "projects searches all of them by default and may name only them.",
    )


async def task_page(
    session: AsyncSession, where: TaskFilter, query: TaskListQuery, response: Response
) -> list[TaskRow]:
    """The page `query` asks for, with its `X-Next-Cursor` and `X-Total-Count` headers."""
    page = await list_tasks(
        session, where, query.sort, query.limit, offset=query.offset, after=query.after
    )
    if page.next is not None:
        response.headers[NEXT_CURSOR] = encode_cursor(query.sort, page.next)
    if query.count:
        response.headers[TOTAL_COUNT] = str(await count_matching_tasks(session, where))
    return page.rows

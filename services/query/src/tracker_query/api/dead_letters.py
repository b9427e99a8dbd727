"""Dead letters, for admins: list, inspect, re-drive and discard events that could not be applied.

Every route needs an admin key that is not limited to projects (the gateway refuses other keys
before the request gets here)."""

from datetime import datetime
from typing import Annotated, Any, Self

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, model_validator

from tracker_contracts import Name, Timestamp

from ..dead_letters import LETTER_ID, SCAN_LIMIT, DeadLetter, DeadLetters, Selection
from ..errors import DeadLetterNotFound
from .access import require_admin, require_unrestricted

router = APIRouter(
    prefix="/api/dead-letters",
    tags=["dead letters"],
    dependencies=[Depends(require_admin), Depends(require_unrestricted)],
)

_NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such dead letter: re-driven or discarded already, or never there."}
}
_EXAMPLE_LETTER: dict[str, Any] = {
    "id": "1767261600000-0",
    "entry_id": "1767261590000-3",
    "project": "my-project",
    "reason": "CheckViolation: new row violates check constraint",
    "failed_at": "2026-01-01T10:00:00Z",
    "event": {
        "kind": "start",
        "event_id": "0b3e8e47-1c7f-4a59-9d3e-7a4f1f6f2f10",
        "received_at": "2026-01-01T09:59:50Z",
        "payload": {"project": "my-project", "task": "Build", "task_id": "t-1", "agent": "a"},
    },
}
_LETTER_ID_PATTERN = f"^{LETTER_ID.pattern}$"

LetterId = Annotated[
    str,
    Path(
        pattern=_LETTER_ID_PATTERN,
        description="The dead letter's `id` (a Redis stream id, `<milliseconds>-<sequence>`).",
    ),
]


class DeadLetterOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [_EXAMPLE_LETTER]})

    id: str = Field(description="The dead letter's id: name it to inspect, re-drive, discard.")
    entry_id: str = Field(description="The event's id on the events stream when it failed.")
    project: str | None = Field(description="The event's project, when it has one.")
    reason: str = Field(description="Why it could not be applied.")
    failed_at: datetime
    event: Any = Field(description="The event as it was read (or the entry's text).")

    @classmethod
    def of(cls, letter: DeadLetter) -> Self:
        return cls.model_validate(letter, from_attributes=True)


class DeadLettersOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"total": 1, "entries": [_EXAMPLE_LETTER], "next_cursor": None}]
        }
    )

    total: int = Field(description="Every dead letter waiting, matching the filters or not.")
    entries: list[DeadLetterOut] = Field(description="This page's matching letters, newest first.")
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page; null when nothing is left. A page may "
        f"hold fewer than `limit` letters when filters skip many (at most {SCAN_LIMIT:,} are "
        "looked at per page)."
    )


class DeadLetterSummaryOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "count": 3,
                    "oldest_failed_at": "2026-01-01T10:00:00Z",
                    "oldest_age_seconds": 5400,
                }
            ]
        }
    )

    count: int = Field(description="Dead letters waiting to be re-driven or discarded.")
    oldest_failed_at: datetime | None
    oldest_age_seconds: int | None


class SelectionIn(BaseModel):
    """Which dead letters: those matching every filter given, or `all`."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"project": "my-project", "reason": "CheckViolation"},
                {"all": True},
            ]
        },
    )

    all: StrictBool = Field(default=False, description="Every dead letter; no filter may be given.")
    reason: str | None = Field(
        default=None, min_length=1, max_length=200, description="The reason contains this text."
    )
    project: Name | None = None
    since: Timestamp | None = Field(default=None, description="Failed at or after this.")
    until: Timestamp | None = Field(default=None, description="Failed before this.")
    limit: StrictInt | None = Field(
        default=None, ge=1, le=1_000_000, description="Act on at most this many, oldest first."
    )

    @model_validator(mode="after")
    def _says_which(self) -> Self:
        filters = [self.reason, self.project, self.since, self.until]
        given = any(value is not None for value in filters)
        if self.all and given:
            raise ValueError("all: true takes no filter (reason, project, since, until)")
        if not self.all and not given:
            raise ValueError("give a filter (reason, project, since, until) or all: true")
        return self

    def selection(self) -> Selection:
        return Selection(self.reason, self.project, self.since, self.until)


class RedrivenOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"redriven": 2}]})

    redriven: int = Field(description="Dead letters put back on the events stream.")


class DiscardedOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"discarded": 2}]})

    discarded: int = Field(description="Dead letters deleted for good.")


class RedriveOneOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"id": "1767261600000-0", "entry_id": "1767265200000-0"}]}
    )

    id: str = Field(description="The dead letter, now gone.")
    entry_id: str = Field(description="The event's new entry on the events stream.")


def _letters(request: Request) -> DeadLetters:
    letters: DeadLetters = request.app.state.dead_letters
    return letters


Letters = Annotated[DeadLetters, Depends(_letters)]


@router.get(
    "",
    summary="Dead letters: events that could not be applied, newest first, with the reason",
    response_model=DeadLettersOut,
)
async def list_dead_letters(
    letters: Letters,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: Annotated[
        str | None,
        Query(pattern=_LETTER_ID_PATTERN, description="`next_cursor` of the previous page."),
    ] = None,
    reason: Annotated[
        str | None, Query(min_length=1, max_length=200, description="Reason contains this text.")
    ] = None,
    project: Annotated[Name | None, Query()] = None,
    since: Annotated[Timestamp | None, Query(description="Failed at or after this.")] = None,
    until: Annotated[Timestamp | None, Query(description="Failed before this.")] = None,
) -> DeadLettersOut:
    page = await letters.page(Selection(reason, project, since, until), limit, cursor)
    return DeadLettersOut(
        total=await letters.count(),
        entries=[DeadLetterOut.of(letter) for letter in page.letters],
        next_cursor=page.next_cursor,
    )


@router.get(
    "/summary",
    summary="How many dead letters wait, and how old the oldest is",
    response_model=DeadLetterSummaryOut,
)
async def dead_letter_summary(letters: Letters) -> DeadLetterSummaryOut:
    summary = await letters.summary()
    return DeadLetterSummaryOut(
        count=summary.count,
        oldest_failed_at=summary.oldest_failed_at,
        oldest_age_seconds=summary.as_health()["oldest_age_seconds"],
    )


@router.post(
    "/redrive",
    summary="Re-drive the dead letters a filter selects (or all), oldest first",
    response_model=RedrivenOut,
)
async def redrive_selected(selection: SelectionIn, letters: Letters) -> RedrivenOut:
    return RedrivenOut(
        redriven=await letters.redrive_matching(selection.selection(), selection.limit)
    )


@router.post(
    "/discard",
    summary="Discard the dead letters a filter selects (or all), for good",
    response_model=DiscardedOut,
)
async def discard_selected(selection: SelectionIn, letters: Letters) -> DiscardedOut:
    return DiscardedOut(
        discarded=await letters.discard_matching(selection.selection(), selection.limit)
    )


@router.get(
    "/{letter_id}",
    summary="One dead letter",
    response_model=DeadLetterOut,
    responses=_NOT_FOUND,
)
async def get_dead_letter(letter_id: LetterId, letters: Letters) -> DeadLetterOut:
    letter = await letters.get(letter_id)
    if letter is None:
        raise DeadLetterNotFound(letter_id)
    return DeadLetterOut.of(letter)


@router.post(
    "/{letter_id}/redrive",
    summary="Put a dead letter's event back on the events stream, to be applied once",
    response_model=RedriveOneOut,
    responses=_NOT_FOUND,
)
async def redrive_one(letter_id: LetterId, letters: Letters) -> RedriveOneOut:
    entry_id = await letters.redrive(letter_id)
    if entry_id is None:
        raise DeadLetterNotFound(letter_id)
    return RedriveOneOut(id=letter_id, entry_id=entry_id)


@router.delete(
    "/{letter_id}",
    summary="Discard a dead letter for good",
    status_code=204,
    response_class=Response,
    responses=_NOT_FOUND,
)
async def discard_one(letter_id: LetterId, letters: Letters) -> Response:
    if not await letters.discard(letter_id):
        raise DeadLetterNotFound(letter_id)
    return Response(status_code=204)

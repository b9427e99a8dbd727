"""The API process's health: `/health` (alive, with the dead-letter backlog) and `/db-check`
(PostgreSQL answers its reads). How events are applied is the worker's to tell (its `/health`
and `/ready`)."""

import asyncio
from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from redis.exceptions import RedisError

from ..db import CHECK_TIMEOUT_SECONDS, database_answers
from ..dead_letters import DeadLetters
from .deps import ReadingSession

router = APIRouter(tags=["health"])


class DeadLetterBacklogOut(BaseModel):
    count: int = Field(description="Dead letters waiting to be re-driven or discarded.")
    oldest_age_seconds: int | None = Field(description="How long the oldest has waited.")


class HealthOut(BaseModel):
    status: Literal["ok"] = Field(description="The process is alive (200 whatever else).")
    dead_letters: DeadLetterBacklogOut | None = Field(
        description="Events set aside (`GET /api/dead-letters`); null while Redis does not answer."
    )


class DbCheckOut(BaseModel):
    status: Literal["ok", "error"]
    database: Literal["connected", "unreachable"]


@router.get("/health", summary="The query API process is alive", response_model=HealthOut)
async def health(request: Request) -> HealthOut:
    return HealthOut(status="ok", dead_letters=await _dead_letters(request.app.state.dead_letters))


async def _dead_letters(letters: DeadLetters) -> DeadLetterBacklogOut | None:
    try:
        async with asyncio.timeout(CHECK_TIMEOUT_SECONDS):
            summary = await letters.summary()
    except (RedisError, OSError, TimeoutError):
        return None
    return DeadLetterBacklogOut(**summary.as_health())


@router.get(
    "/db-check",
    summary="PostgreSQL answers the API",
    response_model=DbCheckOut,
    responses={503: {"description": "The database does not answer.", "model": DbCheckOut}},
)
async def db_check(session: ReadingSession) -> JSONResponse:
    healthy = await database_answers(session)
    body = DbCheckOut(
        status="ok" if healthy else "error", database="connected" if healthy else "unreachable"
    )
    return JSONResponse(body.model_dump(mode="json"), status_code=200 if healthy else 503)

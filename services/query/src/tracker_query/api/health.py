import asyncio
from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import AwareDatetime, BaseModel, Field
from redis.exceptions import RedisError
from sqlalchemy import text

from ..consumer import ConsumerState, EventConsumer
from .deps import ReadingSession

router = APIRouter(tags=["health"])

# A database or Redis that does not answer within this is reported unreachable, not waited for.
_CHECK_TIMEOUT_SECONDS = 2.0


class WaitingOut(BaseModel):
    since: AwareDatetime = Field(description="When the database first refused the events.")
    reason: str = Field(description="The database's last refusal, e.g. a read-only database.")


class DeadLetterBacklogOut(BaseModel):
    count: int = Field(description="Dead letters waiting to be re-driven or discarded.")
    oldest_age_seconds: int | None = Field(description="How long the oldest has waited.")


class HealthOut(BaseModel):
    status: Literal["ok"] = Field(description="The process is alive (200 whatever else).")
    consumer: ConsumerState = Field(
        description="The event consumer: `waiting` while the database cannot take events "
        "(they stay in the stream, nothing is lost or set aside, and they are applied when it "
        "can again)."
    )
    waiting: WaitingOut | None = Field(description="Why and since when it waits, if it does.")
    dead_letters: DeadLetterBacklogOut | None = Field(
        description="Events set aside (`GET /api/dead-letters`); null while Redis does not answer."
    )


class DbCheckOut(BaseModel):
    status: Literal["ok", "error"]
    database: Literal["connected", "unreachable"]
    consumer: ConsumerState
    waiting: WaitingOut | None


def _waiting(consumer: EventConsumer) -> WaitingOut | None:
    waiting = consumer.waiting
    return None if waiting is None else WaitingOut(since=waiting.since, reason=waiting.reason)


@router.get(
    "/health",
    summary="The query process is alive, and whether its consumer applies events or waits",
    response_model=HealthOut,
)
async def health(request: Request) -> HealthOut:
    consumer: EventConsumer = request.app.state.consumer
    return HealthOut(
        status="ok",
        consumer=consumer.state,
        waiting=_waiting(consumer),
        dead_letters=await _dead_letters(consumer),
    )


async def _dead_letters(consumer: EventConsumer) -> DeadLetterBacklogOut | None:
    try:
        async with asyncio.timeout(_CHECK_TIMEOUT_SECONDS):
            summary = await consumer.dead_letters.summary()
    except (RedisError, OSError, TimeoutError):
        return None
    return DeadLetterBacklogOut(**summary.as_health())


@router.get(
    "/db-check",
    summary="PostgreSQL answers and the event consumer is applying events",
    response_model=DbCheckOut,
    responses={
        503: {
            "description": "The database is down, or the consumer is down or waiting for it.",
            "model": DbCheckOut,
        }
    },
)
async def db_check(request: Request, session: ReadingSession) -> JSONResponse:
    database: Literal["connected", "unreachable"] = "connected"
    try:
        async with asyncio.timeout(_CHECK_TIMEOUT_SECONDS):
            await session.execute(text("SELECT 1"))
    except Exception:
        database = "unreachable"
    consumer: EventConsumer = request.app.state.consumer
    state = consumer.state
    healthy = database == "connected" and state == "running"
    body = DbCheckOut(
        status="ok" if healthy else "error",
        database=database,
        consumer=state,
        waiting=_waiting(consumer),
    )
    return JSONResponse(body.model_dump(mode="json"), status_code=200 if healthy else 503)

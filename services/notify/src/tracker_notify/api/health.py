"""`/health` (liveness: the process's loops run) and `/ready` (PostgreSQL and Redis answer)."""

from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from ..db import database_answers, redis_answers

router = APIRouter(tags=["health"])


class HealthOut(BaseModel):
    status: Literal["ok", "error"]
    stopped: list[str] = Field(description="Loops of the process that have stopped.")


class ReadyOut(BaseModel):
    status: Literal["ok", "error"]
    database: Literal["connected", "unreachable"]
    redis: Literal["connected", "unreachable"]


@router.get(
    "/health",
    summary="The notify process and its loops run",
    response_model=HealthOut,
    responses={503: {"description": "A loop has stopped.", "model": HealthOut}},
)
async def health(request: Request) -> JSONResponse:
    stopped = [loop.get_name() for loop in request.app.state.loops if loop.done()]
    body = HealthOut(status="error" if stopped else "ok", stopped=stopped)
    return JSONResponse(body.model_dump(mode="json"), status_code=503 if stopped else 200)


# Asked by the orchestrator, never through the gateway: kept out of the public document.
@router.get(
    "/ready",
    include_in_schema=False,
    summary="PostgreSQL and Redis answer",
    response_model=ReadyOut,
    responses={503: {"description": "A server does not answer.", "model": ReadyOut}},
)
async def ready(request: Request) -> JSONResponse:
    database = await database_answers(request.app.state.sessionmaker)
    redis = await redis_answers(request.app.state.redis)
    body = ReadyOut(
        status="ok" if database and redis else "error",
        database="connected" if database else "unreachable",
        redis="connected" if redis else "unreachable",
    )
    return JSONResponse(
        body.model_dump(mode="json"), status_code=200 if body.status == "ok" else 503
    )

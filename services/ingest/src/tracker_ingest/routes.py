import asyncio
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Header, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from redis.asyncio import Redis
from redis.exceptions import RedisError

from tracker_contracts import ErrorWebhook, FinishWebhook, StartWebhook, StatusWebhook, Webhook

from .accepting import accept


class Problem(BaseModel):
    detail: str


_ERRORS: dict[int | str, dict[str, Any]] = {
    403: {"model": Problem, "description": "The API key may not post events for this project."},
    503: {
        "model": Problem,
        "description": "Redis unavailable or out of memory, or too many events waiting to be "
        "applied; nothing was accepted. Retry after `Retry-After` seconds.",
    },
}

webhooks = APIRouter(prefix="/webhook", tags=["webhooks"], responses=_ERRORS)
health = APIRouter(tags=["health"])


class Accepted(BaseModel):
    event_id: UUID


IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=255,
        pattern=r"^[\x21-\x7e]+$",
        description="Makes retries safe: the same key with the same body is answered like the "
        "first request and stored once. Each API key has its own idempotency keys. The body's "
        "`event_id` works the same way (one event id names one event, whoever sends it).",
    ),
]


async def _accept(
    webhook: Webhook, request: Request, key: str | None, response: Response
) -> Accepted:
    acceptance = await accept(request, type(webhook), webhook, key)
    if acceptance.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return Accepted(event_id=acceptance.event_id)


@webhooks.post("/start", status_code=202, summary="A task started")
async def start(
    webhook: StartWebhook, request: Request, response: Response,
    idempotency_key: IdempotencyKey = None,
) -> Accepted:  # fmt: skip
    return await _accept(webhook, request, idempotency_key, response)


@webhooks.post("/status", status_code=202, summary="Progress of a task")
async def status(
    webhook: StatusWebhook, request: Request, response: Response,
    idempotency_key: IdempotencyKey = None,
) -> Accepted:  # fmt: skip
    return await _accept(webhook, request, idempotency_key, response)


@webhooks.post("/finish", status_code=202, summary="A task completed")
async def finish(
    webhook: FinishWebhook, request: Request, response: Response,
    idempotency_key: IdempotencyKey = None,
) -> Accepted:  # fmt: skip
    return await _accept(webhook, request, idempotency_key, response)


@webhooks.post("/error", status_code=202, summary="A task failed")
async def error(
    webhook: ErrorWebhook, request: Request, response: Response,
    idempotency_key: IdempotencyKey = None,
) -> Accepted:  # fmt: skip
    return await _accept(webhook, request, idempotency_key, response)


@health.get("/health", summary="The ingest process is alive")
async def alive() -> dict[str, str]:
    return {"status": "ok"}


@health.get(
    "/redis-check",
    summary="Redis answers",
    responses={503: {"description": "Redis does not answer."}},
)
async def redis_check(request: Request) -> JSONResponse:
    redis: Redis = request.app.state.redis
    try:
        async with asyncio.timeout(1.0):
            await redis.ping()
    except (RedisError, OSError, TimeoutError):
        return JSONResponse({"status": "error", "redis": "unreachable"}, status_code=503)
    return JSONResponse({"status": "ok", "redis": "connected"})

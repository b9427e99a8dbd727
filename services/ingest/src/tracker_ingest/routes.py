import asyncio
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Header, HTTPException, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from redis.asyncio import Redis
from redis.exceptions import RedisError

from tracker_contracts import (
    KEY_NAME_HEADER,
    ErrorWebhook,
    FinishWebhook,
    StartWebhook,
    StatusWebhook,
    Webhook,
    projects_of,
)

from .publisher import EventPublisher
from .settings import IngestSettings


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


# Plain functions rather than dependencies: each dependency costs FastAPI a resolution step on
# every request, which shows on this hot path.
def publisher_of(request: Request) -> EventPublisher:
    publisher: EventPublisher = request.app.state.publisher
    return publisher


def settings_of(request: Request) -> IngestSettings:
    settings: IngestSettings = request.app.state.settings
    return settings


def allowed_projects(request: Request) -> frozenset[str] | None:
    """Projects the API key is limited to, as the gateway's key check forwarded them."""
    return projects_of(request.scope["headers"])


def project_refusal(project: str) -> str:
    return f"This API key may not post events for project '{project}'."


async def _accept(
    webhook: Webhook, request: Request, key: str | None, response: Response
) -> Accepted:
    allowed = allowed_projects(request)
    if allowed is not None and webhook.project not in allowed:
        raise HTTPException(403, project_refusal(webhook.project))
    key_name = request.headers.get(KEY_NAME_HEADER)
    acceptance = await publisher_of(request).publish(webhook, key, key_name)
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

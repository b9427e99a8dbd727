from typing import Annotated, Any
from urllib.parse import unquote
from uuid import UUID

from fastapi import APIRouter, Depends, Header, HTTPException, Request, Response
from fastapi.responses import JSONResponse
from faststream.redis import RedisBroker
from pydantic import BaseModel

from tracker_contracts import ErrorWebhook, FinishWebhook, StartWebhook, StatusWebhook, Webhook

from .publisher import EventPublisher


class Problem(BaseModel):
    detail: str


_ERRORS: dict[int | str, dict[str, Any]] = {
    403: {"model": Problem, "description": "The API key may not post events for this project."},
    409: {
        "model": Problem,
        "description": "A request with the same idempotency key is still in progress.",
    },
    503: {
        "model": Problem,
        "description": "Redis unavailable or too many events waiting; nothing was accepted. "
        "Retry after `Retry-After` seconds.",
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
        "first request and stored once. The body's `event_id` works the same way.",
    ),
]


def _publisher(request: Request) -> EventPublisher:
    publisher: EventPublisher = request.app.state.publisher
    return publisher


def _allowed_projects(request: Request) -> frozenset[str] | None:
    """Projects the API key is limited to, as the gateway's key check forwarded them."""
    header = request.headers.get("x-auth-projects")
    if header is None:
        return None
    return frozenset(unquote(name) for name in header.split("|") if name)


Publisher = Annotated[EventPublisher, Depends(_publisher)]
AllowedProjects = Annotated[frozenset[str] | None, Depends(_allowed_projects)]


async def _accept(
    webhook: Webhook,
    publisher: EventPublisher,
    allowed: frozenset[str] | None,
    key: str | None,
    response: Response,
) -> Accepted:
    if allowed is not None and webhook.project not in allowed:
        raise HTTPException(
            403, f"This API key may not post events for project '{webhook.project}'."
        )
    acceptance = await publisher.publish(webhook, key)
    if acceptance.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return Accepted(event_id=acceptance.event_id)


@webhooks.post("/start", status_code=202, summary="A task started")
async def start(
    webhook: StartWebhook, publisher: Publisher, allowed: AllowedProjects,
    response: Response, idempotency_key: IdempotencyKey = None,
) -> Accepted:  # fmt: skip
    return await _accept(webhook, publisher, allowed, idempotency_key, response)


@webhooks.post("/status", status_code=202, summary="Progress of a task")
async def status(
    webhook: StatusWebhook, publisher: Publisher, allowed: AllowedProjects,
    response: Response, idempotency_key: IdempotencyKey = None,
) -> Accepted:  # fmt: skip
    return await _accept(webhook, publisher, allowed, idempotency_key, response)


@webhooks.post("/finish", status_code=202, summary="A task completed")
async def finish(
    webhook: FinishWebhook, publisher: Publisher, allowed: AllowedProjects,
    response: Response, idempotency_key: IdempotencyKey = None,
) -> Accepted:  # fmt: skip
    return await _accept(webhook, publisher, allowed, idempotency_key, response)


@webhooks.post("/error", status_code=202, summary="A task failed")
async def error(
    webhook: ErrorWebhook, publisher: Publisher, allowed: AllowedProjects,
    response: Response, idempotency_key: IdempotencyKey = None,
) -> Accepted:  # fmt: skip
    return await _accept(webhook, publisher, allowed, idempotency_key, response)


@health.get("/health", summary="The ingest process is alive")
async def alive() -> dict[str, str]:
    return {"status": "ok"}


@health.get(
    "/redis-check",
    summary="Redis answers",
    responses={503: {"description": "Redis does not answer."}},
)
async def redis_check(request: Request) -> JSONResponse:
    broker: RedisBroker = request.app.state.broker
    if await broker.ping(timeout=1.0):
        return JSONResponse({"status": "ok", "redis": "connected"})
    return JSONResponse({"status": "error", "redis": "unreachable"}, status_code=503)

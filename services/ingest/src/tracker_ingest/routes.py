from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from faststream.redis import RedisBroker
from pydantic import BaseModel

from tracker_contracts import ErrorWebhook, FinishWebhook, StartWebhook, StatusWebhook

from .publisher import EventPublisher

_UNAVAILABLE: dict[int | str, dict[str, Any]] = {
    503: {"description": "Redis unavailable; nothing was accepted. Retry after `Retry-After`."}
}

webhooks = APIRouter(prefix="/webhook", tags=["webhooks"], responses=_UNAVAILABLE)
health = APIRouter(tags=["health"])


class Accepted(BaseModel):
    event_id: UUID


def _publisher(request: Request) -> EventPublisher:
    publisher: EventPublisher = request.app.state.publisher
    return publisher


Publisher = Annotated[EventPublisher, Depends(_publisher)]


@webhooks.post("/start", status_code=202, summary="A task started")
async def start(webhook: StartWebhook, publisher: Publisher) -> Accepted:
    return Accepted(event_id=await publisher.publish(webhook))


@webhooks.post("/status", status_code=202, summary="Progress of a task")
async def status(webhook: StatusWebhook, publisher: Publisher) -> Accepted:
    return Accepted(event_id=await publisher.publish(webhook))


@webhooks.post("/finish", status_code=202, summary="A task completed")
async def finish(webhook: FinishWebhook, publisher: Publisher) -> Accepted:
    return Accepted(event_id=await publisher.publish(webhook))


@webhooks.post("/error", status_code=202, summary="A task failed")
async def error(webhook: ErrorWebhook, publisher: Publisher) -> Accepted:
    return Accepted(event_id=await publisher.publish(webhook))


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

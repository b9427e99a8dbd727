"""How ingest answers the refusals of an accepted-looking webhook, in one place: the app's
exception handlers and the fast path both answer with `answer`."""

import logging

from fastapi.responses import JSONResponse
from starlette.requests import HTTPConnection

from .accepting import ProjectNotAllowed
from .group_commit import (
    NOT_WRITTEN,
    EventStreamFull,
    EventStreamUnavailable,
    RedisOutOfMemory,
    WriteQueueFull,
)
from .idempotency import IdempotencyMismatch
from .settings import IngestSettings

logger = logging.getLogger(__name__)

ANSWERED = (
    ProjectNotAllowed,
    IdempotencyMismatch,
    *NOT_WRITTEN,
)
"""The errors `answer` answers; any other is a bug (500)."""


async def answer(connection: HTTPConnection, error: Exception) -> JSONResponse:
    """The answer to one of the `ANSWERED` errors."""
    match error:
        case ProjectNotAllowed():
            return JSONResponse(status_code=403, content={"detail": str(error)})
        case IdempotencyMismatch():
            by_header = "idempotency-key" in connection.headers
            return JSONResponse(
                status_code=422,
                content={
                    "detail": [
                        {
                            "type": "idempotency_key_reused",
                            "loc": ["header", "Idempotency-Key"]
                            if by_header
                            else ["body", "event_id"],
                            "msg": "This idempotency key was already used with a different body.",
                        }
                    ]
                },
            )
        case EventStreamUnavailable():
            logger.warning("event stream unavailable: %s", error)
            detail = "Event stream unavailable; the event was not accepted. Retry later."
        case EventStreamFull():
            logger.warning("event stream full: shedding until the consumer catches up")
            detail = "Too many events are waiting to be applied; the event was not accepted."
        case WriteQueueFull():
            logger.warning("write queue full: shedding until Redis catches up")
            detail = "Too many events are waiting to be written; nothing was accepted."
        case RedisOutOfMemory():
            logger.warning("Redis is at maxmemory: refusing events until memory is freed")
            detail = (
                "Redis is out of memory (maxmemory reached); the event was not accepted. "
                "Retry later."
            )
        case _:
            raise error
    settings: IngestSettings = connection.app.state.settings
    return JSONResponse(
        status_code=503,
        content={"detail": detail},
        headers={"Retry-After": str(settings.retry_after_seconds)},
    )

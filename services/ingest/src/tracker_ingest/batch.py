"""`POST /webhook/batch`: many events in one request, each validated and answered on its own."""

from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response
from pydantic import ValidationError

from tracker_contracts import (
    WEBHOOK_FOR_KIND,
    BatchEvent,
    BatchEventResult,
    BatchResult,
    EventError,
    Identity,
    Webhook,
    WebhookBatch,
    identity_of,
)

from .accepting import ProjectNotAllowed, admit, publisher_of
from .idempotency import IdempotencyMismatch
from .invalid import encodable
from .publisher import Acceptance, Answer
from .routes import Problem
from .settings import IngestSettings

_RESPONSES: dict[int | str, dict[str, Any]] = {
    207: {
        "model": BatchResult,
        "description": "One result per event, in request order: `202` for each event stored "
        "(or replayed), else the status and the errors of that event alone.",
    },
    413: {"model": Problem, "description": "More events than `BATCH_MAX_EVENTS` in one batch."},
    503: {
        "model": Problem,
        "description": "Redis unavailable or too many events waiting; nothing of the batch was "
        "accepted. Retry after `Retry-After` seconds (events with an `event_id` are stored "
        "once, however often they are sent).",
    },
}

batch = APIRouter(prefix="/webhook", tags=["webhooks"])


@batch.post(
    "/batch",
    status_code=207,
    summary="Many events at once",
    description="Events of any type in one request, appended to the stream in this order with "
    "one write. Each event is checked on its own: a bad one is answered in its result and "
    "does not hold back the others. An `event_id` makes each event retry-safe, exactly as on "
    "the single webhooks (a batch takes no `Idempotency-Key`).",
    response_model=BatchResult,
    responses=_RESPONSES,
)
async def post_batch(body: WebhookBatch, request: Request) -> Response:
    settings: IngestSettings = request.app.state.settings
    identity = identity_of(request.scope["headers"])
    if len(body.events) > settings.batch_max_events:
        raise HTTPException(
            413,
            f"At most {settings.batch_max_events} events per batch; this one has "
            f"{len(body.events)}.",
        )
    results: list[BatchEventResult | None] = [None] * len(body.events)
    webhooks: list[Webhook] = []
    positions: list[int] = []
    for index, event in enumerate(body.events):
        admitted = _admitted(index, event, identity)
        if isinstance(admitted, BatchEventResult):
            results[index] = admitted
        else:
            webhooks.append(admitted)
            positions.append(index)
    if webhooks:
        answers = await publisher_of(request).publish_many(webhooks)
        for index, answer in zip(positions, answers, strict=True):
            results[index] = _result(index, answer)
    answered = [result for result in results if result is not None]
    summary = BatchResult(
        accepted=sum(r.replayed is False for r in answered),
        replayed=sum(r.replayed is True for r in answered),
        rejected=sum(r.errors is not None for r in answered),
        results=answered,
    )
    return Response(
        summary.model_dump_json(exclude_none=True), status_code=207, media_type="application/json"
    )


def _admitted(index: int, event: BatchEvent, identity: Identity) -> Webhook | BatchEventResult:
    """The event's webhook, or the result refusing it."""
    try:
        return admit(WEBHOOK_FOR_KIND[event.type], event.fields, identity)
    except ValidationError as invalid:
        errors = [
            EventError(
                type=error["type"],
                loc=[encodable(part) for part in error["loc"]],
                msg=encodable(error["msg"]),
            )
            for error in invalid.errors(include_url=False, include_input=False)
        ]
        return _refused(index, 422, errors)
    except ProjectNotAllowed as refusal:
        error = EventError(type="project_not_allowed", loc=["project"], msg=str(refusal))
        return _refused(index, 403, [error])


def _result(index: int, answer: Answer) -> BatchEventResult:
    if isinstance(answer, Acceptance):
        return BatchEventResult(
            index=index, status=202, event_id=answer.event_id, replayed=answer.replayed
        )
    assert isinstance(answer, IdempotencyMismatch)
    error = EventError(
        type="idempotency_key_reused",
        loc=["event_id"],
        msg="This event_id was already used with a different body.",
    )
    return _refused(index, 422, [error])


def _refused(index: int, status: int, errors: list[EventError]) -> BatchEventResult:
    return BatchEventResult(index=index, status=status, errors=errors)

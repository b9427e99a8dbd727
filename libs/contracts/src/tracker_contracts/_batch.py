"""Many webhooks in one request (`POST /webhook/batch`) and the per-event answer to it."""

from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from ._envelope import EventKind
from ._webhooks import ErrorWebhook, FinishWebhook, StartWebhook, StatusWebhook, Webhook

WEBHOOK_FOR_KIND: dict[EventKind, type[Webhook]] = {
    EventKind.START: StartWebhook,
    EventKind.STATUS: StatusWebhook,
    EventKind.FINISH: FinishWebhook,
    EventKind.ERROR: ErrorWebhook,
}
"""The webhook body each `type` of a batch event stands for."""


class BatchEvent(BaseModel):
    """One event of a batch: `type` names the webhook; the other fields are that webhook's
    body (`StartWebhook`, `StatusWebhook`, `FinishWebhook`, `ErrorWebhook`), validated event by
    event so that one bad event does not refuse the others."""

    model_config = ConfigDict(
        extra="allow",
        frozen=True,
        json_schema_extra={
            "examples": [
                {
                    "type": "start",
                    "project": "my-project",
                    "task": "Build feature",
                    "task_id": "task-123",
                    "agent": "claude-3-5",
                }
            ]
        },
    )

    type: EventKind = Field(description="Which webhook this event is.")

    @property
    def fields(self) -> dict[str, Any]:
        """The webhook body: every field but `type`."""
        return self.model_extra or {}


class WebhookBatch(BaseModel):
    """Events to append in this order."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    events: list[BatchEvent] = Field(
        min_length=1,
        description="At most `BATCH_MAX_EVENTS` (1000 by default) events; more is `413`.",
    )


class EventError(BaseModel):
    """Why one event of a batch was refused; `loc` names the field within the event."""

    type: str
    loc: list[str | int]
    msg: str


class BatchEventResult(BaseModel):
    """The answer for one event of a batch, as a single webhook would have been answered."""

    index: int = Field(description="Position of the event in the request.")
    status: int = Field(
        description="`202` accepted (or replayed), `403` project not allowed for the key, "
        "`422` invalid or `event_id` reused."
    )
    event_id: UUID | None = Field(default=None, description="Set when the status is 202.")
    replayed: bool | None = Field(
        default=None,
        description="With 202: true when this `event_id` had been accepted before, so "
        "nothing was stored again.",
    )
    errors: list[EventError] | None = Field(
        default=None, description="Set when the event was refused."
    )


class BatchResult(BaseModel):
    """Per-event results in request order, and how many ended which way."""

    accepted: int = Field(description="Events stored by this request.")
    replayed: int = Field(description="Events whose `event_id` had been accepted before.")
    rejected: int = Field(description="Events refused (403 or 422).")
    results: list[BatchEventResult]

"""The envelope each accepted webhook travels in on the Redis event stream."""

import uuid
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Generic, Literal, TypeVar
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from ._webhooks import ErrorWebhook, FinishWebhook, StartWebhook, StatusWebhook, Webhook


class EventKind(StrEnum):
    START = "start"
    STATUS = "status"
    FINISH = "finish"
    ERROR = "error"


PayloadT = TypeVar("PayloadT", bound=Webhook)


class _Envelope(BaseModel, Generic[PayloadT]):
    model_config = ConfigDict(extra="forbid", frozen=True)

    event_id: UUID
    received_at: AwareDatetime
    payload: PayloadT

    @property
    def occurred_at(self) -> datetime:
        """When the event happened: the agent's timestamp if given, else the time of receipt."""
        return self.payload.timestamp or self.received_at


class StartEvent(_Envelope[StartWebhook]):
    kind: Literal[EventKind.START] = EventKind.START


class StatusEvent(_Envelope[StatusWebhook]):
    kind: Literal[EventKind.STATUS] = EventKind.STATUS


class FinishEvent(_Envelope[FinishWebhook]):
    kind: Literal[EventKind.FINISH] = EventKind.FINISH


class ErrorEvent(_Envelope[ErrorWebhook]):
    kind: Literal[EventKind.ERROR] = EventKind.ERROR


AnyTaskEvent = StartEvent | StatusEvent | FinishEvent | ErrorEvent

TaskEvent = Annotated[AnyTaskEvent, Field(discriminator="kind")]
"""Any event on the stream; `kind` tells which webhook the payload is."""

_EVENT_FOR_WEBHOOK: dict[type[BaseModel], type[AnyTaskEvent]] = {
    StartWebhook: StartEvent,
    StatusWebhook: StatusEvent,
    FinishWebhook: FinishEvent,
    ErrorWebhook: ErrorEvent,
}


def envelop(webhook: Webhook, received_at: datetime | None = None) -> AnyTaskEvent:
    """Wrap an accepted webhook for the stream, keeping the client's event id if it sent one."""
    event_class = _EVENT_FOR_WEBHOOK[type(webhook)]
    return event_class(
        event_id=webhook.event_id or uuid.uuid4(),
        received_at=received_at or datetime.now(UTC),
        payload=webhook,
    )

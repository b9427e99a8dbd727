"""Wire formats of Agent Task Tracker, shared by every service."""

from ._envelope import (
    EVENTS_STREAM,
    AnyTaskEvent,
    ErrorEvent,
    EventKind,
    FinishEvent,
    StartEvent,
    StatusEvent,
    TaskEvent,
    envelop,
)
from ._webhooks import (
    ACTIVE_STATUSES,
    METADATA_MAX_BYTES,
    ErrorWebhook,
    FinishWebhook,
    StartWebhook,
    StatusWebhook,
    TaskStatus,
    Webhook,
    WebhookBase,
)

__all__ = [
    "ACTIVE_STATUSES",
    "EVENTS_STREAM",
    "METADATA_MAX_BYTES",
    "AnyTaskEvent",
    "ErrorEvent",
    "ErrorWebhook",
    "EventKind",
    "FinishEvent",
    "FinishWebhook",
    "StartEvent",
    "StartWebhook",
    "StatusEvent",
    "StatusWebhook",
    "TaskEvent",
    "TaskStatus",
    "Webhook",
    "WebhookBase",
    "envelop",
]

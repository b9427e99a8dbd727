"""Small builders for webhook bodies and stream events, shared by the tests."""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from tracker_contracts import (
    EVENT_ADAPTER,
    KEY_NAME_HEADER,
    KEY_SCOPE_HEADER,
    AnyTaskEvent,
    EventKind,
)

SEED_BODIES: dict[EventKind, dict[str, Any]] = {
    EventKind.START: {
        "project": "my-project",
        "task": "Разработка фичи",
        "task_id": "task-123",
        "agent": "claude-3-5",
        "metadata": {"priority": "high"},
    },
    EventKind.STATUS: {
        "project": "my-project",
        "task": "Разработка фичи",
        "task_id": "task-123",
        "agent": "claude-3-5",
        "status": "running",
        "progress": 75,
        "message": "Обработка данных",
    },
    EventKind.FINISH: {
        "project": "my-project",
        "task": "Разработка фичи",
        "task_id": "task-123",
        "agent": "claude-3-5",
        "result": "Завершено успешно",
        "duration_seconds": 1800,
        "metadata": {"files": ["result.py"]},
    },
    EventKind.ERROR: {
        "project": "my-project",
        "task": "Разработка фичи",
        "task_id": "task-123",
        "agent": "claude-3-5",
        "error_type": "RuntimeError",
        "error_message": "Ошибка выполнения",
        "stack_trace": "Traceback...",
        "metadata": {"attempt": 3},
    },
}
"""The example bodies of the original product README, one per webhook."""

T0 = datetime(2026, 1, 1, 10, 0, tzinfo=UTC)


def body(kind: EventKind, **fields: Any) -> dict[str, Any]:
    """The seed example body for `kind`, with `fields` replaced or added."""
    return {**SEED_BODIES[kind], **fields}


def event(kind: EventKind, seconds: float = 0, **fields: Any) -> AnyTaskEvent:
    """A stream event as ingest would produce it, received `seconds` after T0."""
    return EVENT_ADAPTER.validate_python(
        {
            "kind": kind,
            "event_id": fields.pop("event_id", None) or uuid.uuid4(),
            "received_at": T0 + timedelta(seconds=seconds),
            "payload": body(kind, **fields),
        }
    )


# What the gateway stamps on a request it let through with an admin key: for tests that call a
# service in process, as the gateway would.
GATEWAY_IDENTITY = {KEY_NAME_HEADER: "tests", KEY_SCOPE_HEADER: "admin"}

"""Webhook bodies exactly as the tracker's API takes them, clipped to its limits."""

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

Kind = Literal["start", "status", "finish", "error"]
KINDS: tuple[Kind, ...] = ("start", "status", "finish", "error")
STATUSES = ("running", "pending", "paused", "needs_input")

# The tracker's limits, in characters except where said.
TITLE_MAX = 512
ERROR_TYPE_MAX = 256
MESSAGE_MAX = 16 * 1024
LONG_TEXT_MAX = 64 * 1024
METADATA_MAX_BYTES = 16 * 1024


@dataclass(frozen=True)
class Event:
    """One webhook: its kind (the URL path) and its JSON body, `event_id` included."""

    kind: Kind
    body: dict[str, Any]

    @property
    def event_id(self) -> str:
        return str(self.body["event_id"])

    def to_line(self) -> str:
        return json.dumps({"kind": self.kind, "body": self.body}, ensure_ascii=False)

    @classmethod
    def from_line(cls, line: str) -> "Event":
        data = json.loads(line)
        if data.get("kind") not in KINDS or not isinstance(data.get("body"), dict):
            raise ValueError("not a spooled event")
        return cls(kind=data["kind"], body=data["body"])


def new_event(
    kind: Kind, *, project: str, task: str, task_id: str, agent: str, **fields: Any
) -> Event:
    """A fresh event with its own id and the time it happened; None fields are left out."""
    body: dict[str, Any] = {
        "event_id": str(uuid.uuid4()),
        "timestamp": datetime.now(UTC).isoformat(timespec="microseconds"),
        "project": project,
        "task": clip_title(task),
        "task_id": task_id,
        "agent": agent,
    }
    body.update({name: value for name, value in fields.items() if value is not None})
    return Event(kind=kind, body=body)


Usage = dict[str, Any]
"""What one step used, as the tracker's `usage` field takes it (see `usage`)."""


def usage(
    *,
    model: str | None = None,
    input_tokens: int | None = None,
    output_tokens: int | None = None,
    cache_read_tokens: int | None = None,
    cache_write_tokens: int | None = None,
    cost: float | None = None,
    currency: str | None = None,
) -> Usage | None:
    """The `usage` of a status, finish or error: what this step used (never a running total;
    the tracker adds the steps up). None when nothing is given. `currency` defaults to USD."""
    given = {
        "model": model,
        "input_tokens": input_tokens,
        "output_tokens": output_tokens,
        "cache_read_tokens": cache_read_tokens,
        "cache_write_tokens": cache_write_tokens,
        "cost": cost,
        "currency": currency,
    }
    fields = {name: value for name, value in given.items() if value is not None}
    return fields or None


def new_task_id() -> str:
    return f"task-{uuid.uuid4().hex[:12]}"


def clip_title(title: str) -> str:
    # Titles may not hold control characters; a command line or prompt often does.
    flat = " ".join("".join(c if c.isprintable() else " " for c in title).split())
    return clip_head(flat or "untitled", TITLE_MAX)


def clip_head(text: str, limit: int) -> str:
    """The start of `text`, marked with an ellipsis when cut."""
    text = text.replace("\x00", "")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def clip_tail(text: str, limit: int) -> str:
    """The end of `text` (where the cause of a failure usually is), marked when cut."""
    text = text.replace("\x00", "")
    return text if len(text) <= limit else "…" + text[-(limit - 1) :]


def fits_metadata(metadata: dict[str, Any]) -> bool:
    return len(json.dumps(metadata, ensure_ascii=False).encode()) <= METADATA_MAX_BYTES

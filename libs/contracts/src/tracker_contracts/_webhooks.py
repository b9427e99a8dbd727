"""The four webhook bodies agents send, field for field as the public API documents them."""

import json
import math
import re
from datetime import UTC, datetime
from decimal import ROUND_HALF_EVEN, Decimal
from enum import StrEnum
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    Strict,
    StringConstraints,
    model_validator,
)

METADATA_MAX_BYTES = 16 * 1024
METADATA_MAX_DEPTH = 32
"""Most levels of objects and arrays in metadata (the metadata object itself is level 1)."""
METADATA_INTEGER_RANGE = (-(2**63), 2**63 - 1)
"""Integers in metadata fit a signed 64-bit integer, as every JSON reader can hold them."""
EARLIEST_TIMESTAMP = datetime(1970, 1, 1, tzinfo=UTC)
LATEST_TIMESTAMP = datetime(3000, 1, 1, tzinfo=UTC)
"""Timestamps lie in [EARLIEST_TIMESTAMP, LATEST_TIMESTAMP): well inside what Python's
datetime and PostgreSQL's timestamptz hold in any time zone, with room for arithmetic."""


class TaskStatus(StrEnum):
    """Where a task is in its lifecycle; the first four are the active ones."""

    PENDING = "pending"
    RUNNING = "running"
    PAUSED = "paused"
    NEEDS_INPUT = "needs_input"
    """Waiting on a person (a question, a permission): active, until the task's next event."""
    COMPLETED = "completed"
    FAILED = "failed"
    STALE = "stale"
    """Active, but silent for longer than its project allows; any newer event revives it."""

    @property
    def is_terminal(self) -> bool:
        return self in (TaskStatus.COMPLETED, TaskStatus.FAILED)


ACTIVE_STATUSES = frozenset(
    {TaskStatus.PENDING, TaskStatus.RUNNING, TaskStatus.PAUSED, TaskStatus.NEEDS_INPUT}
)


_CONTROL_CHARACTER = re.compile(r"[\x00-\x1f\x7f]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def _has_no_control_characters(value: str) -> str:
    if _CONTROL_CHARACTER.search(value):
        raise ValueError("must not contain control characters")
    return _is_storable(value)


def _is_storable(value: str) -> str:
    """Text that UTF-8 and PostgreSQL text and jsonb hold: no U+0000, no lone surrogate."""
    if "\x00" in value:
        raise ValueError("must not contain the NUL character")
    if _SURROGATE.search(value):
        raise ValueError("must not contain a lone UTF-16 surrogate (U+D800 to U+DFFF)")
    return value


def _check_metadata_value(value: Any, depth: int, where: str) -> list[tuple[Any, int, str]]:
    """Refuses what jsonb cannot store; returns the values nested in `value` to check next."""
    if isinstance(value, bool) or value is None:
        return []
    if isinstance(value, str):
        _is_storable_at(value, where)
        return []
    if isinstance(value, int):
        low, high = METADATA_INTEGER_RANGE
        if not low <= value <= high:
            raise ValueError(f"{where}: integers must fit in 64 bits (from {low} to {high})")
        return []
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{where}: numbers must be finite (no NaN or Infinity)")
        return []
    if not isinstance(value, dict | list):
        raise ValueError(f"{where}: {type(value).__name__} is not a JSON value")
    if depth > METADATA_MAX_DEPTH:
        raise ValueError(f"{where}: at most {METADATA_MAX_DEPTH} levels of nesting")
    if isinstance(value, list):
        return [(item, depth + 1, f"{where}[{i}]") for i, item in enumerate(value)]
    nested = []
    for key, item in value.items():
        if not isinstance(key, str):
            raise ValueError(f"{where}: keys must be strings")
        _is_storable_at(key, f"{where} (a key)")
        nested.append((item, depth + 1, f"{where}.{_printable(key)}"))
    return nested


def _is_storable_at(value: str, where: str) -> None:
    try:
        _is_storable(value)
    except ValueError as refusal:
        raise ValueError(f"{where}: {refusal}") from None


def _printable(text: str) -> str:
    return text.encode("utf-8", "backslashreplace").decode()


def _fits_metadata_limit(value: dict[str, Any] | None) -> dict[str, Any] | None:
    if value is None:
        return None
    # Checked level by level, without recursion: any depth gets a clear answer.
    todo: list[tuple[Any, int, str]] = [(value, 1, "metadata")]
    while todo:
        todo += _check_metadata_value(*todo.pop())
    encoded = json.dumps(value, ensure_ascii=False)
    if len(encoded.encode()) > METADATA_MAX_BYTES:
        raise ValueError(f"must serialize to at most {METADATA_MAX_BYTES} bytes of JSON")
    return value


_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
_CANONICAL_UUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")


def _iso_datetime_text(value: Any) -> Any:
    """Only ISO-8601 text: no Unix numbers, which would pass for dates silently."""
    if isinstance(value, str) and not _ISO_DATETIME.match(value):
        raise ValueError("must be an ISO-8601 date-time such as 2026-01-01T10:00:00Z")
    if not isinstance(value, str | datetime):
        raise ValueError("must be an ISO-8601 date-time string")
    return value


def _within_storable_range(value: datetime) -> datetime:
    # Aware datetimes compare without conversion, so no offset can overflow here.
    if not EARLIEST_TIMESTAMP <= value < LATEST_TIMESTAMP:
        raise ValueError(
            f"must be from {EARLIEST_TIMESTAMP.isoformat()} to before "
            f"{LATEST_TIMESTAMP.isoformat()} (in UTC)"
        )
    return value


def _canonical_uuid_text(value: Any) -> Any:
    if isinstance(value, str) and not _CANONICAL_UUID.match(value):
        raise ValueError("must be a UUID written as 8-4-4-4-12 hexadecimal digits")
    return value


# Names appear in URLs (/api/projects/{project}/tasks/{task_id}), so they exclude "/".
Name = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=128, pattern=r"^[^/]+$"),
    AfterValidator(_has_no_control_characters),
]
Title = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=512),
    AfterValidator(_has_no_control_characters),
]
ShortText = Annotated[str, StringConstraints(max_length=256), AfterValidator(_is_storable)]
Text = Annotated[str, StringConstraints(max_length=16 * 1024), AfterValidator(_is_storable)]
LongText = Annotated[str, StringConstraints(max_length=64 * 1024), AfterValidator(_is_storable)]
Metadata = Annotated[dict[str, Any] | None, AfterValidator(_fits_metadata_limit)]
EventId = Annotated[UUID, BeforeValidator(_canonical_uuid_text)]
Timestamp = Annotated[
    AwareDatetime, BeforeValidator(_iso_datetime_text), AfterValidator(_within_storable_range)
]
Percent = Annotated[int, Strict(), Field(ge=0, le=100)]
TOKENS_MAX = 10**12
"""Most tokens of one kind one event may report."""
COST_MAX = Decimal(100_000)
"""Largest cost one event may report, in its currency."""
COST_DECIMAL_PLACES = 10
"""A cost is kept to this many decimal places (rounded half to even). With `COST_MAX`, every
cost has at most 15 significant digits: written as a JSON number it reads back exactly."""
DEFAULT_CURRENCY = "USD"
_COST_QUANTUM = Decimal(1).scaleb(-COST_DECIMAL_PLACES)


def _to_cost_places(value: Decimal) -> Decimal:
    return value.quantize(_COST_QUANTUM, rounding=ROUND_HALF_EVEN)


def _not_a_boolean(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError("must be a number, not a boolean")
    return value


Tokens = Annotated[int, Strict(), Field(ge=0, le=TOKENS_MAX)]
Cost = Annotated[
    Decimal,
    BeforeValidator(_not_a_boolean),
    Field(ge=0, le=COST_MAX, allow_inf_nan=False),
    AfterValidator(_to_cost_places),
    PlainSerializer(float, return_type=float, when_used="json"),
]
"""A non-negative decimal amount; exact in Python and PostgreSQL (NUMERIC), a number in JSON."""
Money = Annotated[Decimal, PlainSerializer(float, return_type=float, when_used="json")]
"""An amount of money as the services answer it: exact in Python, a number in JSON."""
CURRENCY_PATTERN = r"^[A-Z]{3}$"
"""An ISO 4217 currency code, in capitals."""
Currency = Annotated[
    str,
    StringConstraints(pattern=CURRENCY_PATTERN),
    Field(description="ISO 4217 code in capitals, such as USD or EUR."),
]
ModelName = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=128),
    AfterValidator(_has_no_control_characters),
]


_USAGE_EXAMPLE: dict[str, Any] = {
    "model": "claude-sonnet-4-5",
    "input_tokens": 1200,
    "output_tokens": 340,
    "cache_read_tokens": 5000,
    "cache_write_tokens": 0,
    "cost": 0.0123,
    "currency": "USD",
}


class Usage(BaseModel):
    """What the step this event reports used: a delta, added to the task's totals, never a
    running total. Every field is optional, but at least one is given."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, json_schema_extra={"examples": [_USAGE_EXAMPLE]}
    )

    model: ModelName | None = Field(default=None, description="The model the step used.")
    input_tokens: Tokens | None = None
    output_tokens: Tokens | None = None
    cache_read_tokens: Tokens | None = None
    cache_write_tokens: Tokens | None = None
    cost: Cost | None = Field(
        default=None,
        description=f"What the step cost, in `currency`; kept to {COST_DECIMAL_PLACES} "
        "decimal places.",
    )
    currency: Currency | None = Field(
        default=None, description=f"The currency of `cost`; {DEFAULT_CURRENCY} when omitted."
    )

    @model_validator(mode="before")
    @classmethod
    def _currency_of_cost(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("cost") is not None and data.get("currency") is None:
            return {**data, "currency": DEFAULT_CURRENCY}
        return data

    @model_validator(mode="after")
    def _reports_something(self) -> "Usage":
        if all(value is None for value in self.__dict__.values()):
            raise ValueError(f"give at least one of {', '.join(type(self).model_fields)}")
        return self


def is_none(value: Any) -> bool:
    return value is None


def _usage_field() -> Any:
    # Left out of the event's JSON when absent, so that an event without it is written on the
    # stream byte for byte as before it existed (and earlier readers still read it).
    return Field(
        default=None,
        exclude_if=is_none,
        description="Tokens and cost of the step this event reports (not a running total); "
        "the task's totals are the sum over its events.",
    )


Seconds = Annotated[float, Strict(), Field(ge=0, le=10 * 365 * 24 * 3600)]

_START_EXAMPLE: dict[str, Any] = {
    "project": "my-project",
    "task": "Build feature",
    "task_id": "task-123",
    "agent": "claude-3-5",
    "metadata": {"priority": "high"},
}


class WebhookBase(BaseModel):
    """Fields every webhook carries: which task of which project, reported by which agent."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    project: Name = Field(description="Project name; a project is created on its first event.")
    task: Title = Field(description="Human-readable task title.")
    task_id: Name = Field(description="Task identifier, unique within the project.")
    agent: Name = Field(description="Name of the agent doing the work.")
    event_id: EventId | None = Field(
        default=None,
        description="Client-chosen event id; resending the same id is applied once.",
    )
    timestamp: Timestamp | None = Field(
        default=None,
        description="When the event happened at the agent (ISO-8601 with offset); "
        "orders events that arrive out of order. Defaults to the time of receipt.",
    )


class StartWebhook(WebhookBase):
    """The agent began a task."""

    model_config = ConfigDict(json_schema_extra={"examples": [_START_EXAMPLE]})

    metadata: Metadata = None


class StatusWebhook(WebhookBase):
    """Progress report on a running task."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    **_START_EXAMPLE,
                    "metadata": None,
                    "status": "running",
                    "progress": 75,
                    "message": "Processing data",
                },
                {
                    **_START_EXAMPLE,
                    "metadata": {"step": "tests"},
                    "progress": 80,
                    "message": "Ran the tests",
                    "usage": _USAGE_EXAMPLE,
                },
            ]
        }
    )

    status: Literal[
        TaskStatus.PENDING, TaskStatus.RUNNING, TaskStatus.PAUSED, TaskStatus.NEEDS_INPUT
    ] = Field(
        default=TaskStatus.RUNNING,
        description="Non-terminal status; use /webhook/finish or /webhook/error to end a task. "
        "`needs_input`: the agent waits on a person (a question, a permission); it lasts until "
        "the task's next event, and the inbox lists the task meanwhile.",
    )
    progress: Percent | None = Field(default=None, description="Percent done, 0-100.")
    message: Text | None = None
    metadata: Metadata = Field(default=None, exclude_if=is_none)
    usage: Usage | None = _usage_field()


class FinishWebhook(WebhookBase):
    """The task completed."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    **_START_EXAMPLE,
                    "result": "Completed successfully",
                    "duration_seconds": 1800,
                    "metadata": {"files": ["result.py"]},
                }
            ]
        }
    )

    result: LongText | None = None
    duration_seconds: Seconds | None = Field(
        default=None,
        description="How long the task took; computed from start and finish when omitted.",
    )
    metadata: Metadata = None
    usage: Usage | None = _usage_field()


class ErrorWebhook(WebhookBase):
    """The task failed."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    **_START_EXAMPLE,
                    "error_type": "RuntimeError",
                    "error_message": "Execution failed",
                    "stack_trace": "Traceback...",
                    "metadata": {"attempt": 3},
                }
            ]
        }
    )

    error_type: Annotated[ShortText, StringConstraints(min_length=1)]
    error_message: Annotated[Text, StringConstraints(min_length=1)]
    stack_trace: LongText | None = None
    metadata: Metadata = None
    usage: Usage | None = _usage_field()


Webhook = StartWebhook | StatusWebhook | FinishWebhook | ErrorWebhook

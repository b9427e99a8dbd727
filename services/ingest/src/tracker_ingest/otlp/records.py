"""What logs, metrics and spans have in common once mapped: where a record belongs (project,
task, agent, from its resource and its own attributes), the event id its content names, and
the tally of what was mapped and what was dropped.

- Project: the resource attribute `agent_tracker.project`, else `service.namespace`, else
  `service.name`.
- Task: `session.id` (Claude Code), else `gen_ai.conversation.id` — on the record, else on the
  resource; spans fall back to their trace id.
- Agent: `agent_tracker.agent`, else `service.name`.
- Title: `agent_tracker.task` on the resource, else the agent and the task id.

Event ids are derived from content: the record's bytes with its resource's and scope's (and a
metric's name), hashed. An exporter retrying an export sends the same bytes, so each retried
record comes to the event id of its first try, which the publisher stores once.
"""

import hashlib
import math
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from google.protobuf.message import Message
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from pydantic import ValidationError

from tracker_contracts import EARLIEST_TIMESTAMP, LATEST_TIMESTAMP, StatusWebhook

_UUID_VERSION_8 = (8 << 76) | (0b10 << 62)
_UUID_FREE_BITS = ((1 << 128) - 1) ^ (0xF << 76) ^ (0b11 << 62)


class UsageSource(StrEnum):
    """Where a task's usage may come from; the first source seen for a task is its only one."""

    LOGS = "logs"
    METRICS = "metrics"
    TRACES = "traces"


@dataclass(frozen=True)
class Candidate:
    """An event a record maps to, before the task's usage source is settled."""

    webhook: StatusWebhook
    source: UsageSource
    usage_only: bool = False
    """The event says nothing but its usage: dropped, not stripped, when its source is not
    the task's."""


@dataclass
class Tally:
    """What one export came to."""

    candidates: list[Candidate] = field(default_factory=list)
    dropped: Counter[str] = field(default_factory=Counter)
    """Records not mapped, by reason."""

    def drop(self, reason: str, records: int = 1) -> None:
        if records:
            self.dropped[reason] += records

    def add(self, candidate: Candidate | str) -> None:
        """Keep the event, or count the reason it could not be made."""
        if isinstance(candidate, str):
            self.drop(candidate)
        else:
            self.candidates.append(candidate)

    @property
    def rejected(self) -> int:
        return self.dropped.total()

    def summary(self) -> str:
        """The reasons records were dropped, most frequent first, for `partial_success`."""
        return "; ".join(f"{count} {reason}" for reason, count in self.dropped.most_common())


class Attributes:
    """Attribute values by key, each read only when asked for (a mapping reads a few of many).
    Scalars only: arrays, maps and bytes read as None, as no mapping uses them."""

    __slots__ = ("_values",)

    def __init__(self, pairs: Iterable[KeyValue]) -> None:
        self._values = {pair.key: pair.value for pair in pairs}

    def get(self, key: str, default: Any = None) -> Any:
        value = self._values.get(key)
        scalar = None if value is None else _scalar(value)
        return default if scalar is None else scalar


def _scalar(value: AnyValue) -> str | bool | int | float | None:
    match value.WhichOneof("value"):
        case "string_value":
            return value.string_value
        case "bool_value":
            return value.bool_value
        case "int_value":
            return value.int_value
        case "double_value":
            return value.double_value
    return None


@dataclass(frozen=True)
class Origin:
    """Where the records of one resource and scope belong, and the start of their event ids."""

    resource: Attributes
    project: str | None
    agent: str
    digest: "hashlib.blake2b"

    def task_of(self, record: Attributes) -> str | None:
        for key in ("session.id", "gen_ai.conversation.id"):
            for source in (record, self.resource):
                if value := _text(source.get(key)):
                    return value
        return None

    def event_id(self, *parts: Message | str) -> UUID:
        """The event id of the record made of `parts` (its messages, a metric's name): 122 bits
        of their hash, as a UUID of version 8 (RFC 9562: custom, here content-derived)."""
        digest = self.digest.copy()
        for part in parts:
            encoded = part.encode() if isinstance(part, str) else _bytes(part)
            digest.update(len(encoded).to_bytes(8, "big") + encoded)
        number = int.from_bytes(digest.digest(), "big")
        return UUID(int=(number & _UUID_FREE_BITS) | _UUID_VERSION_8)


def each_record(groups: Iterable[Any], scopes: str, records: str) -> Iterator[tuple[Origin, Any]]:
    """Every record of an export with where it belongs: `groups` are its Resource* messages,
    `scopes` and `records` the names of their Scope* and record fields."""
    for group in groups:
        resource = Attributes(group.resource.attributes)
        for scope_group in getattr(group, scopes):
            where = origin(group.resource, resource, scope_group.scope)
            for record in getattr(scope_group, records):
                yield where, record


def map_records(
    groups: Iterable[Any],
    scopes: str,
    records: str,
    mapped: Callable[[Origin, Any], Candidate | str],
) -> Tally:
    """The tally of every record of an export (as `each_record` reads them), each `mapped`."""
    tally = Tally()
    for where, record in each_record(groups, scopes, records):
        tally.add(mapped(where, record))
    return tally


def origin(resource: Message, resource_attributes: Attributes, scope: Message) -> Origin:
    project = next(
        (
            text
            for key in ("agent_tracker.project", "service.namespace", "service.name")
            if (text := _text(resource_attributes.get(key)))
        ),
        None,
    )
    agent = (
        _text(resource_attributes.get("agent_tracker.agent"))
        or _text(resource_attributes.get("service.name"))
        or "otlp"
    )
    digest = hashlib.blake2b(digest_size=16)  # the 128 bits an event id holds
    for part in (resource, scope):
        encoded = _bytes(part)
        digest.update(len(encoded).to_bytes(8, "big") + encoded)
    return Origin(resource_attributes, project, agent, digest)


def _bytes(message: Message) -> bytes:
    # OTLP messages have no map fields, the one thing whose order protobuf leaves open.
    return message.SerializeToString()


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def number(values: Attributes, key: str) -> float | None:
    """A numeric attribute, also when written as text (Claude Code sends counts as strings)."""
    value = values.get(key)
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return value if math.isfinite(value) else None
    if isinstance(value, str):
        try:
            parsed = float(value)
        except ValueError:
            return None
        return parsed if math.isfinite(parsed) else None
    return None


def count(values: Attributes, key: str) -> int | None:
    """A whole, non-negative numeric attribute."""
    value = values.get(key)
    if isinstance(value, str) and value.isdigit():
        return int(value)  # the common case, written as Claude Code writes it
    amount = number(values, key)
    return None if amount is None or amount < 0 or amount != int(amount) else int(amount)


def timestamp(*unix_nanos: int) -> datetime | None:
    """The first of the times that is set and storable."""
    for nanos in unix_nanos:
        if nanos:
            moment = datetime.fromtimestamp(nanos / 1e9, UTC)
            if EARLIEST_TIMESTAMP <= moment < LATEST_TIMESTAMP:
                return moment
    return None


NO_PROJECT = "without a project (set agent_tracker.project or service.name on the resource)"
NO_TASK = "without a task (no session.id or gen_ai.conversation.id)"


def candidate(
    where: Origin,
    event_id: UUID,
    source: UsageSource,
    *,
    records: str,
    task_id: str | None,
    message: str | None,
    usage: dict[str, Any] | None,
    at: datetime | None,
    usage_only: bool = False,
) -> Candidate | str:
    """The event of one record, or why it has none (for the `records` of its kind)."""
    webhook = _status(where, event_id, task_id=task_id, message=message, usage=usage, at=at)
    if isinstance(webhook, str):
        return f"{records} {webhook}"
    return Candidate(webhook, source, usage_only)


def _status(
    where: Origin,
    event_id: UUID,
    *,
    task_id: str | None,
    message: str | None,
    usage: dict[str, Any] | None,
    at: datetime | None,
) -> StatusWebhook | str:
    if where.project is None:
        return NO_PROJECT
    if task_id is None:
        return NO_TASK
    fields = {key: value for key, value in (usage or {}).items() if value is not None}
    try:
        return StatusWebhook(
            project=where.project,
            task=_text(where.resource.get("agent_tracker.task")) or f"{where.agent} {task_id}",
            task_id=task_id,
            agent=where.agent,
            event_id=event_id,
            timestamp=at,
            message=message[:16_000] if message else None,
            usage=fields or None,  # validated once, as the webhook's own field
        )
    except ValidationError as invalid:
        first = invalid.errors(include_url=False, include_input=False)[0]
        where_wrong = ".".join(str(part) for part in first["loc"])
        return f"with an invalid {where_wrong or 'value'} ({first['msg']})"

"""Retries are answered like the first request, without a second event.

A retry is recognised by its idempotency key: the `Idempotency-Key` header, else the body's
`event_id`. Redis keeps, per key, the body's fingerprint and the event id it was accepted as.
Answers follow the IETF Idempotency-Key draft: same key and body → the first answer again;
same key, other body → 422; a key still marked in flight → 409.

The record is checked and written in the same atomic step as the append (see `group_commit`),
so concurrent requests with one key are settled one after the other: the first appends, the
others get its answer. Only a "pending" record, which earlier versions of the service wrote
while a request was in flight, still means 409.
"""

import hashlib
import uuid
from dataclasses import dataclass
from typing import Literal
from uuid import UUID

from tracker_contracts import Webhook

# Any fixed namespace: the same Idempotency-Key always names the same event id.
_EVENT_NAMESPACE = UUID("6f1d3c2e-8b4a-4c1e-9f6a-2d7b5e8c9a01")


class IdempotencyConflict(Exception):
    """A request with this key is still being processed."""


class IdempotencyMismatch(Exception):
    """This key was already used with a different body."""


@dataclass(frozen=True)
class Claim:
    """What a request's idempotency key says about it."""

    key: str
    fingerprint: str
    event_id: UUID


@dataclass(frozen=True)
class Record:
    state: Literal["pending", "done"]
    fingerprint: str
    event_id: UUID

    def dump(self) -> str:
        return f"{self.state}:{self.fingerprint}:{self.event_id}"

    @classmethod
    def load(cls, raw: str | bytes) -> "Record":
        text = raw.decode() if isinstance(raw, bytes) else raw
        state, fingerprint, event_id = text.split(":")
        if state not in ("pending", "done"):
            raise ValueError(f"unknown idempotency state {state!r}")
        return cls(state, fingerprint, UUID(event_id))  # type: ignore[arg-type]


def claim_for(webhook: Webhook, header_key: str | None) -> Claim | None:
    """The idempotency claim of a request, or None when it carries no key at all."""
    if header_key is not None:
        event_id = webhook.event_id or uuid.uuid5(_EVENT_NAMESPACE, header_key)
        return Claim(f"key:{header_key}", _fingerprint(webhook), event_id)
    if webhook.event_id is not None:
        return Claim(f"event:{webhook.event_id}", _fingerprint(webhook), webhook.event_id)
    return None


def answer_to_retry(claim: Claim, existing: Record) -> UUID:
    """The event id to answer a retry with, or the reason it cannot be answered."""
    if existing.fingerprint != claim.fingerprint:
        raise IdempotencyMismatch
    if existing.state == "pending":
        raise IdempotencyConflict
    return existing.event_id


def _fingerprint(webhook: Webhook) -> str:
    canonical = f"{type(webhook).__name__}:{webhook.model_dump_json()}"
    return hashlib.sha256(canonical.encode()).hexdigest()

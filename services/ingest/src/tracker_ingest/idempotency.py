"""Retries are answered like the first request, without a second event.

A retry is recognised by its idempotency key: the `Idempotency-Key` header, scoped to the API
key that sent it (two keys may pick the same header value without meeting), else the body's
`event_id`, which names one event whoever sends it. Redis keeps, per key, only a digest of the
first body: the event id needs no storing, since the same key with the same body always comes
to the same event id. Answers follow the IETF Idempotency-Key draft: same key and body → the
first answer again; same key, other body → 422.

Each record is one small Redis string (a 12-byte digest in the key, one in the value) that
expires after `IDEMPOTENCY_TTL_SECONDS`. A retry later than that is appended again under the
same event id, and the consumer, which applies each event id once, ignores it.

The record is checked and written in the same atomic step as the append (see `group_commit`),
so concurrent requests with one key are settled one after the other: the first appends, the
others get its answer.
"""

import base64
import hashlib
import uuid
from dataclasses import dataclass
from uuid import UUID

from tracker_contracts import Webhook

# Any fixed namespace: the same Idempotency-Key (of the same API key) always names one event id.
_EVENT_NAMESPACE = UUID("6f1d3c2e-8b4a-4c1e-9f6a-2d7b5e8c9a01")
_DIGEST_BYTES = 12  # 96 bits: a chance collision needs ~2^48 live records


class IdempotencyMismatch(Exception):
    """This key was already used with a different body."""


@dataclass(frozen=True)
class Claim:
    """What a request's idempotency key says about it."""

    key: str
    """The record's name, unique per idempotency key (and API key, for the header)."""
    fingerprint: str
    """What the record holds: a digest of the body."""
    event_id: UUID


def claim_for(
    webhook: Webhook, header_key: str | None, key_name: str | None = None
) -> Claim | None:
    """The idempotency claim of a request, or None when it carries no key at all.

    `key_name` is the name of the API key the gateway checked; a header key is its own."""
    if header_key is not None:
        scoped = header_key if key_name is None else f"{key_name}\n{header_key}"
        event_id = webhook.event_id or uuid.uuid5(_EVENT_NAMESPACE, scoped)
        return Claim(_digest(f"key\n{scoped}"), _fingerprint(webhook), event_id)
    if webhook.event_id is not None:
        return Claim(_digest(f"event\n{webhook.event_id}"), _fingerprint(webhook), webhook.event_id)
    return None


def answer_to_retry(claim: Claim, recorded: str) -> UUID:
    """The event id to answer a retry with, or the reason it cannot be answered."""
    if recorded != claim.fingerprint:
        raise IdempotencyMismatch
    return claim.event_id


def _fingerprint(webhook: Webhook) -> str:
    return _digest(f"{type(webhook).__name__}:{webhook.model_dump_json()}")


def _digest(text: str) -> str:
    digest = hashlib.blake2b(text.encode(), digest_size=_DIGEST_BYTES).digest()
    return base64.urlsafe_b64encode(digest).decode()

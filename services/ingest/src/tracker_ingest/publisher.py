"""Appends accepted webhooks to the event stream, once per idempotency key."""

from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

from tracker_contracts import (
    AnyTaskEvent,
    Webhook,
    encode_event,
    envelop,
    idempotency_record_key,
)

from .group_commit import Append, Appended, GroupCommit, Outcome
from .idempotency import Claim, IdempotencyMismatch, answer_to_retry, claim_for
from .settings import IngestSettings


@dataclass(frozen=True)
class Acceptance:
    event_id: UUID
    replayed: bool


Answer = Acceptance | IdempotencyMismatch
"""What one webhook of a batch came to: accepted (or replayed), or refused by its key."""


@dataclass(frozen=True)
class _Prepared:
    event: AnyTaskEvent
    claim: Claim | None


class EventPublisher:
    def __init__(self, writer: GroupCommit, settings: IngestSettings) -> None:
        self._writer = writer
        self._settings = settings

    async def publish(
        self, webhook: Webhook, idempotency_key: str | None, key_name: str | None = None
    ) -> Acceptance:
        """Put the webhook on the stream once Redis has it; a retry gets the first answer.

        `key_name` (the API key's, from the gateway) scopes `idempotency_key`."""
        [answer] = await self._publish([_prepare(webhook, idempotency_key, key_name)])
        if isinstance(answer, Exception):
            raise answer
        return answer

    async def publish_many(self, webhooks: Sequence[Webhook]) -> list[Answer]:
        """Put the webhooks on the stream in this order, each retry-safe by its `event_id`.

        Redis failing or the stream being full refuses all of them (raised, not answered)."""
        return await self._publish([_prepare(webhook, None, None) for webhook in webhooks])

    async def _publish(self, prepared: list[_Prepared]) -> list[Answer]:
        appends = [self._append_for(item) for item in prepared]
        # No deadline of its own: every write the request waits for is bounded by
        # REDIS_TIMEOUT_SECONDS, and the queue ahead of it by WRITE_QUEUE_LIMIT.
        outcomes = await self._writer.append(appends)
        return [_answer(item, outcome) for item, outcome in zip(prepared, outcomes, strict=True)]

    def _append_for(self, item: _Prepared) -> Append:
        entry = encode_event(item.event)
        if item.claim is None:
            return Append(entry)
        return Append(entry, self._record_key(item.claim), item.claim.fingerprint)

    def _record_key(self, claim: Claim) -> str:
        return idempotency_record_key(self._settings.events_stream, claim.key)


def _prepare(webhook: Webhook, idempotency_key: str | None, key_name: str | None) -> _Prepared:
    claim = claim_for(webhook, idempotency_key, key_name)
    if claim is not None and webhook.event_id != claim.event_id:
        webhook = webhook.model_copy(update={"event_id": claim.event_id})
    return _Prepared(envelop(webhook), claim)


def _answer(item: _Prepared, outcome: Outcome) -> Answer:
    if isinstance(outcome, Appended):
        return Acceptance(item.event.event_id, replayed=False)
    assert item.claim is not None  # only an append with a record key can find one recorded
    try:
        return Acceptance(answer_to_retry(item.claim, outcome.record), replayed=True)
    except IdempotencyMismatch as refusal:
        return refusal

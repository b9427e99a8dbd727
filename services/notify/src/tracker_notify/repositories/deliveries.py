"""Deliveries: the outbox the deliverer works through, and the log people read.

A deliverer claims due rows with `FOR UPDATE SKIP LOCKED` and leases them (`lease_until`, and a
`lease_token` of its own); the outcome is written only under that token. A process that dies
mid-delivery leaves its lease to run out, and the row is claimed again: the receiver sees the
same delivery id (`webhook-id`) twice, never two different messages.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from ..models import channels, deliveries

PENDING, RETRYING, SENT, FAILED = "pending", "retrying", "sent", "failed"


@dataclass(frozen=True)
class Delivery:
    id: str
    channel_id: str
    channel_name: str
    kind: str
    task_id: str | None
    status: str
    attempts: int
    response_code: int | None
    error: str | None
    created_at: datetime
    sent_at: datetime | None
    next_attempt_at: datetime | None
    summary: str


async def add_delivery(session: AsyncSession, **values: Any) -> bool:
    """Queue a delivery; False when its incident was queued for this channel before."""
    added = await session.execute(
        insert(deliveries)
        .values(status=PENDING, **values)
        .on_conflict_do_nothing()
        .returning(deliveries.c.id)
    )
    return added.first() is not None


async def list_deliveries(
    session: AsyncSession,
    project: str,
    *,
    channel_id: str | None,
    status: str | None,
    limit: int,
    before: str | None,
) -> list[Delivery]:
    """Newest first, `limit` of them, with ids below `before`."""
    query = (
        select(deliveries, channels.c.name.label("channel_name"))
        .join(channels, channels.c.id == deliveries.c.channel_id)
        .where(deliveries.c.project == project)
        .order_by(deliveries.c.id.desc())
        .limit(limit)
    )
    if channel_id is not None:
        query = query.where(deliveries.c.channel_id == channel_id)
    if status is not None:
        query = query.where(deliveries.c.status == status)
    if before is not None:
        query = query.where(deliveries.c.id < before)
    return [_delivery(row) for row in await session.execute(query)]


async def get_delivery(session: AsyncSession, delivery_id: str) -> Delivery:
    row = (
        await session.execute(
            select(deliveries, channels.c.name.label("channel_name"))
            .join(channels, channels.c.id == deliveries.c.channel_id)
            .where(deliveries.c.id == delivery_id)
        )
    ).one()
    return _delivery(row)


def _delivery(row: Any) -> Delivery:
    return Delivery(
        row.id, row.channel_id, row.channel_name, row.kind, row.task_id, row.status,
        row.attempts, row.response_code, row.error, row.created_at, row.sent_at,
        row.next_attempt_at, row.summary,
    )  # fmt: skip


@dataclass(frozen=True)
class Claimed:
    """A delivery leased to this process, with what sending it needs."""

    id: str
    channel_id: str
    channel_type: str
    url: str | None
    recipients: list[str] | None
    secret: str | None
    payload: dict[str, Any]
    attempts: int
    created_at: datetime


_CLAIM = text("""
    WITH due AS (
        SELECT id FROM (
            SELECT d.id, row_number() OVER (PARTITION BY d.channel_id ORDER BY d.next_attempt_at)
                AS place
            FROM notify.deliveries AS d
            WHERE d.status IN ('pending', 'retrying') AND d.next_attempt_at <= :now
              AND (d.lease_until IS NULL OR d.lease_until <= :now)
              AND d.channel_id <> ALL (:busy)
        ) AS ranked
        WHERE place <= :per_channel
    ), claimed AS (
        SELECT d.id FROM notify.deliveries AS d JOIN due USING (id)
        WHERE d.lease_until IS NULL OR d.lease_until <= :now
        ORDER BY d.next_attempt_at LIMIT :limit
        FOR UPDATE OF d SKIP LOCKED
    )
    UPDATE notify.deliveries AS d
    SET lease_until = :lease_until, lease_token = :token, attempts = d.attempts + 1
    FROM claimed, notify.channels AS c
    WHERE d.id = claimed.id AND c.id = d.channel_id
    RETURNING d.id, d.channel_id, c.type, c.url, c.recipients, c.secret, d.payload, d.attempts,
              d.created_at
""")


async def claim_due(
    session: AsyncSession,
    *,
    now: datetime,
    lease_until: datetime,
    token: str,
    limit: int,
    per_channel: int,
    busy: Sequence[str],
) -> list[Claimed]:
    """Lease up to `limit` due deliveries, at most `per_channel` of each channel, none of the
    `busy` channels'; rows another process holds are skipped."""
    rows = await session.execute(
        _CLAIM,
        {
            "now": now,
            "lease_until": lease_until,
            "token": token,
            "limit": limit,
            "per_channel": per_channel,
            "busy": list(busy),
        },
    )
    return [Claimed(*row) for row in rows]


async def record_outcome(
    session: AsyncSession, delivery_id: str, token: str, **outcome: Any
) -> bool:
    """Write the outcome of an attempt, if this process still holds the lease."""
    recorded = await session.execute(
        update(deliveries)
        .where(deliveries.c.id == delivery_id, deliveries.c.lease_token == token)
        .values(lease_until=None, lease_token=None, **outcome)
        .returning(deliveries.c.id)
    )
    return recorded.first() is not None

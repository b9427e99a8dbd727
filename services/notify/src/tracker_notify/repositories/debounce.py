"""Debounce windows: how many messages each channel got per rule kind in a window, and how
many incidents were folded into the window's digest."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from ..models import channels
from ..models import debounce_windows as windows

_COUNTED = text("""
    INSERT INTO notify.debounce_windows (channel_id, kind, window_start)
    VALUES (:channel_id, :kind, :window_start)
    ON CONFLICT (channel_id, kind, window_start)
    DO UPDATE SET sent = debounce_windows.sent
    RETURNING sent
""")


async def admit(
    session: AsyncSession, channel_id: str, kind: str, window_start: datetime, limit: int
) -> bool:
    """Count one incident in the window: True when it gets its own message (fewer than `limit`
    sent so far), False when it is folded into the digest. The window's row stays locked until
    the transaction ends, so concurrent incidents count one after the other."""
    key = {"channel_id": channel_id, "kind": kind, "window_start": window_start}
    sent: int = (await session.execute(_COUNTED, key)).scalar_one()
    admitted = sent < limit
    column = windows.c.sent if admitted else windows.c.folded
    await session.execute(
        update(windows)
        .where(
            windows.c.channel_id == channel_id,
            windows.c.kind == kind,
            windows.c.window_start == window_start,
        )
        .values({column: column + 1})
    )
    return admitted


@dataclass(frozen=True)
class DueDigest:
    channel_id: str
    kind: str
    window_start: datetime
    folded: int
    project: str


async def take_due_digests(
    session: AsyncSession, ended_before: datetime, limit: int
) -> list[DueDigest]:
    """Windows that began before `ended_before` (so have ended) with incidents folded and no
    digest yet; locked for this transaction, skipping those another replica holds."""
    rows = await session.execute(
        select(
            windows.c.channel_id,
            windows.c.kind,
            windows.c.window_start,
            windows.c.folded,
            channels.c.project,
        )
        .join(channels, channels.c.id == windows.c.channel_id)
        .where(
            windows.c.folded > 0,
            windows.c.digest_id.is_(None),
            windows.c.window_start <= ended_before,
        )
        .order_by(windows.c.window_start)
        .limit(limit)
        .with_for_update(of=windows, skip_locked=True)
    )
    return [DueDigest(*row) for row in rows]


async def mark_digest(session: AsyncSession, digest: DueDigest, delivery_id: str) -> None:
    await session.execute(
        update(windows)
        .where(
            windows.c.channel_id == digest.channel_id,
            windows.c.kind == digest.kind,
            windows.c.window_start == digest.window_start,
        )
        .values(digest_id=delivery_id)
    )

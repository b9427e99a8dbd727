"""Channels: where a project's notifications go."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, select, true, update
from sqlalchemy.ext.asyncio import AsyncSession

from ..models import channels, deliveries


@dataclass(frozen=True)
class LastDelivery:
    status: str
    at: datetime
    response_code: int | None


@dataclass(frozen=True)
class Channel:
    id: str
    project: str
    name: str
    type: str
    enabled: bool
    url: str | None
    recipients: list[str] | None
    secret: str | None
    created_at: datetime
    last_delivery: LastDelivery | None = None


_last = (
    select(
        deliveries.c.status.label("last_status"),
        func.coalesce(deliveries.c.sent_at, deliveries.c.created_at).label("last_at"),
        deliveries.c.response_code.label("last_code"),
    )
    .where(deliveries.c.channel_id == channels.c.id)
    .order_by(deliveries.c.id.desc())
    .limit(1)
    .lateral("last")
)
_LISTED = select(channels, _last).select_from(channels.outerjoin(_last, true()))


def _channel(row: Any) -> Channel:
    last = None
    if row.last_status is not None:
        last = LastDelivery(row.last_status, row.last_at, row.last_code)
    return Channel(
        row.id, row.project, row.name, row.type, row.enabled, row.url, row.recipients,
        row.secret, row.created_at, last,
    )  # fmt: skip


async def list_channels(session: AsyncSession, project: str) -> list[Channel]:
    rows = await session.execute(
        _LISTED.where(channels.c.project == project).order_by(channels.c.created_at, channels.c.id)
    )
    return [_channel(row) for row in rows]


async def get_channel(session: AsyncSession, project: str, channel_id: str) -> Channel | None:
    row = (
        await session.execute(
            _LISTED.where(channels.c.project == project, channels.c.id == channel_id)
        )
    ).first()
    return _channel(row) if row else None


async def add_channel(session: AsyncSession, **values: Any) -> None:
    await session.execute(insert(channels).values(**values))


async def change_channel(
    session: AsyncSession, project: str, channel_id: str, **values: Any
) -> bool:
    changed = await session.execute(
        update(channels)
        .where(channels.c.project == project, channels.c.id == channel_id)
        .values(**values)
        .returning(channels.c.id)
    )
    return changed.first() is not None


async def remove_channel(session: AsyncSession, project: str, channel_id: str) -> bool:
    """Remove the channel with its delivery log (queued deliveries are never sent)."""
    removed = await session.execute(
        delete(channels)
        .where(channels.c.project == project, channels.c.id == channel_id)
        .returning(channels.c.id)
    )
    if removed.first() is None:
        return False
    await session.execute(delete(deliveries).where(deliveries.c.channel_id == channel_id))
    return True


async def channels_to_notify(
    session: AsyncSession, project: str, channel_ids: Sequence[str]
) -> list[str]:
    """The ids of the project's enabled channels among `channel_ids`; every enabled one's when
    empty."""
    query = select(channels.c.id).where(channels.c.project == project, channels.c.enabled)
    if channel_ids:
        query = query.where(channels.c.id.in_(channel_ids))
    return list((await session.scalars(query.order_by(channels.c.id))).all())

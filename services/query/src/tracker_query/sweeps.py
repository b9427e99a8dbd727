"""Periodic upkeep of the task data: silent tasks become stale, old history is pruned.

Both run as single SQL statements, so several query replicas may sweep at once: each task is
marked stale by exactly one of them (the UPDATE's row lock decides), and deletes are idempotent.
"""

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tracker_contracts import (
    ACTIVE_STATUSES,
    TaskStaleData,
    TaskStaleMessage,
    TaskStatus,
    notices_channel,
)

from .settings import QuerySettings

logger = logging.getLogger(__name__)

_ACTIVE = ", ".join(f"'{status}'" for status in sorted(ACTIVE_STATUSES))

_MARK_STALE = text(f"""
    UPDATE tasks AS t SET status = '{TaskStatus.STALE}', updated_at = now()
    FROM projects AS p
    LEFT JOIN project_settings AS s ON s.project_id = p.id,
    agents AS a
    WHERE t.project_id = p.id AND a.id = t.agent_id
      AND t.status IN ({_ACTIVE})
      AND t.updated_at < now() - make_interval(
            secs => coalesce(s.stale_after_seconds, :default_seconds))
    RETURNING t.task_id, t.title, p.name, a.name, t.updated_at, t.progress
""")

_PRUNE_EVENTS = text("""
    DELETE FROM task_events WHERE id IN (
        SELECT e.id FROM task_events AS e
        JOIN tasks AS t ON t.id = e.task_pk
        LEFT JOIN project_settings AS s ON s.project_id = t.project_id
        WHERE e.received_at < now() - make_interval(
            days => coalesce(s.event_retention_days, :default_days))
        LIMIT :batch)
""")


@dataclass(frozen=True)
class StaleTask:
    task_id: str
    title: str
    project: str
    agent: str
    silent_since: datetime
    progress: int


async def mark_silent_tasks_stale(session: AsyncSession, default_seconds: int) -> list[StaleTask]:
    """Mark active tasks without news for longer than their project allows; return them."""
    rows = await session.execute(_MARK_STALE, {"default_seconds": default_seconds})
    return [StaleTask(*row) for row in rows]


async def prune_old_events(
    session: AsyncSession, default_days: int | None, batch: int = 10_000
) -> int:
    """Delete up to `batch` history events older than their project's retention; tasks stay."""
    # A null default keeps history forever in projects without a retention of their own.
    result = await session.execute(_PRUNE_EVENTS, {"default_days": default_days, "batch": batch})
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


class Sweeper:
    """Runs the sweeps every `interval` seconds and announces tasks that went stale."""

    def __init__(
        self,
        settings: QuerySettings,
        sessionmaker: async_sessionmaker[AsyncSession],
        announce: Callable[[list[StaleTask]], Awaitable[None]],
    ) -> None:
        self._settings = settings
        self._sessionmaker = sessionmaker
        self._announce = announce

    async def sweep(self) -> list[StaleTask]:
        async with self._sessionmaker() as session, session.begin():
            stale = await mark_silent_tasks_stale(session, self._settings.stale_after_seconds)
            await prune_old_events(session, self._settings.event_retention_days)
        if stale:
            logger.info("%d silent tasks became stale", len(stale))
            await self._announce(stale)
        return stale

    async def run_until(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await self.sweep()
            except Exception as error:
                logger.warning("sweep failed: %s", error)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=self._settings.sweep_interval_seconds)


def announcer(
    redis: Redis, settings: QuerySettings
) -> Callable[[list[StaleTask]], Awaitable[None]]:
    """Announce stale tasks on the notices channel, which every realtime replica relays."""
    channel = notices_channel(settings.events_stream)

    async def announce(stale: list[StaleTask]) -> None:
        for task in stale:
            data = TaskStaleData(
                task_id=task.task_id,
                title=task.title,
                project=task.project,
                agent=task.agent,
                progress=task.progress,
                last_event_at=task.silent_since,
            )
            await redis.publish(channel, TaskStaleMessage(data=data).model_dump_json())

    return announce

"""Periodic upkeep of the task data: silent tasks become stale, old history is pruned.

Each sweep reads only what is due. Cutoffs are worked out once per project (its own setting
or the service default), and each project's due rows are found by index: active tasks by
(project_id, updated_at), history events by (project_id, received_at). So a sweep's cost
follows the projects and the rows it changes, not the tasks and events kept.

Work goes in chunks (1,000 tasks, 5,000 events), each in a short transaction of its own: stale
tasks are announced after their chunk commits, and the few rows a chunk locks are held only
for that chunk. Marking skips tasks a consumer holds at that moment (they are being changed
anyway; the next sweep sees them again). A sweep does at most `max_chunks` chunks of each
kind; what is left waits for the next interval.

However many workers run, the sweep runs once per interval: a worker sweeps only after
claiming the `sweep_leases` row, which it can do only once the interval has passed since the
last claim. Claims made at the same moment wait for each other on that row, and the later one
then finds the lease taken.
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
    NOTICES_STREAM_MAX_LENGTH,
    TaskStaleData,
    TaskStaleMessage,
    TaskStatus,
    encode_notice,
    notices_channel,
    notices_stream,
)

from .settings import QuerySettings

logger = logging.getLogger(__name__)

# The condition of the partial index ix_tasks_active_project_updated, written the same way.
_ACTIVE = ", ".join(f"'{s}'" for s in (TaskStatus.PENDING, TaskStatus.RUNNING, TaskStatus.PAUSED))

_CLAIM = text("""
    INSERT INTO sweep_leases (name, started_at) VALUES ('sweep', now())
    ON CONFLICT (name) DO UPDATE SET started_at = excluded.started_at
    WHERE sweep_leases.started_at <= now() - make_interval(secs => :interval)
    RETURNING name
""")

_MARK_STALE = text(f"""
    UPDATE tasks AS t SET status = '{TaskStatus.STALE}', updated_at = now()
    WHERE t.status IN ({_ACTIVE}) AND t.id = ANY (ARRAY(
        SELECT due.id
        FROM projects AS p
        LEFT JOIN project_settings AS s ON s.project_id = p.id
        CROSS JOIN LATERAL (
            SELECT t.id FROM tasks AS t
            WHERE t.project_id = p.id AND t.status IN ({_ACTIVE})
              AND t.updated_at < now() - make_interval(
                    secs => coalesce(s.stale_after_seconds, :default_seconds))
            LIMIT :chunk
            FOR UPDATE OF t SKIP LOCKED
        ) AS due
        LIMIT :chunk
    ))
    RETURNING t.task_id, t.title,
        (SELECT p.name FROM projects AS p WHERE p.id = t.project_id),
        (SELECT a.name FROM agents AS a WHERE a.id = t.agent_id),
        t.updated_at, t.progress
""")

_PRUNE_EVENTS = text("""
    DELETE FROM task_events WHERE id = ANY (ARRAY(
        SELECT old.id
        FROM projects AS p
        LEFT JOIN project_settings AS s ON s.project_id = p.id
        CROSS JOIN LATERAL (
            SELECT e.id FROM task_events AS e
            WHERE e.project_id = p.id
              AND e.received_at < now() - make_interval(
                    days => coalesce(s.event_retention_days, :default_days))
            LIMIT :chunk
        ) AS old
        WHERE coalesce(s.event_retention_days, :default_days) IS NOT NULL
        LIMIT :chunk
    ))
""")


@dataclass(frozen=True)
class StaleTask:
    task_id: str
    title: str
    project: str
    agent: str
    silent_since: datetime
    progress: int


async def claim_sweep(session: AsyncSession, interval_seconds: float) -> bool:
    """Whether this worker may sweep now: no worker has in the last `interval_seconds`."""
    claimed = await session.execute(_CLAIM, {"interval": interval_seconds})
    return claimed.first() is not None


async def mark_silent_tasks_stale(
    session: AsyncSession, default_seconds: int, chunk: int = 1000
) -> list[StaleTask]:
    """Mark up to `chunk` active tasks without news for longer than their project allows;
    return them."""
    rows = await session.execute(_MARK_STALE, {"default_seconds": default_seconds, "chunk": chunk})
    return [StaleTask(*row) for row in rows]


async def prune_old_events(
    session: AsyncSession, default_days: int | None, chunk: int = 5000
) -> int:
    """Delete up to `chunk` history events older than their project's retention; tasks stay."""
    # A null default keeps history forever in projects without a retention of their own.
    result = await session.execute(_PRUNE_EVENTS, {"default_days": default_days, "chunk": chunk})
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


class Sweeper:
    """Runs the sweeps every `interval` seconds and announces tasks that went stale."""

    def __init__(
        self,
        settings: QuerySettings,
        sessionmaker: async_sessionmaker[AsyncSession],
        announce: Callable[[list[StaleTask]], Awaitable[None]],
        *,
        stale_chunk: int = 1000,
        prune_chunk: int = 5000,
        max_chunks: int = 20,
    ) -> None:
        self._settings = settings
        self._sessionmaker = sessionmaker
        self._announce = announce
        self._stale_chunk = stale_chunk
        self._prune_chunk = prune_chunk
        self._max_chunks = max_chunks

    async def sweep(self) -> list[StaleTask]:
        """Sweep if no worker has this interval; return the tasks that became stale."""
        async with self._sessionmaker() as session, session.begin():
            if not await claim_sweep(session, self._settings.sweep_interval_seconds):
                return []
        stale = await self._mark_stale()
        await self._prune()
        return stale

    async def _mark_stale(self) -> list[StaleTask]:
        stale: list[StaleTask] = []
        for _ in range(self._max_chunks):
            async with self._sessionmaker() as session, session.begin():
                marked = await mark_silent_tasks_stale(
                    session, self._settings.stale_after_seconds, self._stale_chunk
                )
            if marked:
                logger.info("%d silent tasks became stale", len(marked))
                await self._announce(marked)
            stale += marked
            if len(marked) < self._stale_chunk:
                break
        return stale

    async def _prune(self) -> None:
        for _ in range(self._max_chunks):
            async with self._sessionmaker() as session, session.begin():
                pruned = await prune_old_events(
                    session, self._settings.event_retention_days, self._prune_chunk
                )
            if pruned < self._prune_chunk:
                break

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
    """Announce stale tasks on the notices channel, which every realtime replica relays, and
    append them to the notices stream, which readers in consumer groups (notifications) take
    each once. Announced after the stale tasks' commit: a worker dying in between loses them."""
    channel = notices_channel(settings.events_stream)
    stream = notices_stream(settings.events_stream)

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
            notice = TaskStaleMessage(data=data)
            async with redis.pipeline(transaction=False) as pipe:
                pipe.publish(channel, notice.model_dump_json())
                pipe.xadd(
                    stream,
                    encode_notice(notice),  # type: ignore[arg-type]
                    maxlen=NOTICES_STREAM_MAX_LENGTH,
                    approximate=True,
                )
                await pipe.execute()

    return announce

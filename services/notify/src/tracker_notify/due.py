"""The due loop's work: waits for input that have lasted their rule's `after_minutes`, and the
digests of debounce windows that have ended. Each round runs in one transaction per kind of
work, taking rows with `SKIP LOCKED`, so replicas share the work without doing it twice."""

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from .kinds import RuleKind
from .notifying import Policy, notify, queue_digest
from .payload import TaskInfo
from .repositories.debounce import take_due_digests
from .repositories.waits import take_due_waits

BATCH = 200


async def fire_due_waits(
    sessions: async_sessionmaker[AsyncSession], policy: Policy, now: datetime
) -> int:
    async with sessions() as session, session.begin():
        waits = await take_due_waits(session, now, BATCH)
        for wait in waits:
            await notify(
                session, policy, kind=RuleKind.NEEDS_INPUT, project=wait.project,
                task=TaskInfo.model_validate(wait.task), opened_by=wait.opened_by, now=now,
            )  # fmt: skip
    return len(waits)


async def send_due_digests(
    sessions: async_sessionmaker[AsyncSession], policy: Policy, now: datetime
) -> int:
    ended_before = policy.window_start(now) - timedelta(seconds=policy.debounce_window_seconds)
    async with sessions() as session, session.begin():
        digests = await take_due_digests(session, ended_before, BATCH)
        for digest in digests:
            await queue_digest(session, policy, digest, now)
    return len(digests)

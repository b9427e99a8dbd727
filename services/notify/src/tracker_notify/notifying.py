"""From an incident to queued deliveries: the project's rule decides whether and where, the
incident key makes it fire once, the debounce window whether each channel gets a message of
its own or a line in the window's digest.

Debounce: per channel and rule kind, time is cut into windows of `debounce_window_seconds`
(10 minutes by default, aligned to the epoch). In each window a channel gets at most
`debounce_limit` messages of that kind; further incidents are counted, not sent, and one digest
("And 37 more tasks failed in project web") goes out once the window has ended.
"""

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from .ids import new_delivery_id
from .kinds import RuleKind
from .messages import build_payload, digest_summary, task_summary
from .payload import TaskInfo
from .repositories.channels import channels_to_notify
from .repositories.debounce import DueDigest, admit, mark_digest
from .repositories.deliveries import add_delivery
from .repositories.incidents import open_incident
from .repositories.rules import project_rule


@dataclass(frozen=True)
class Policy:
    dashboard_url: str | None
    debounce_limit: int
    debounce_window_seconds: int

    def window_start(self, at: datetime) -> datetime:
        seconds = int(at.timestamp()) // self.debounce_window_seconds * self.debounce_window_seconds
        return datetime.fromtimestamp(seconds, UTC)


async def notify(
    session: AsyncSession,
    policy: Policy,
    *,
    kind: RuleKind,
    project: str,
    task: TaskInfo | None,
    opened_by: str,
    now: datetime,
    summary: str | None = None,
) -> int:
    """Open the incident and queue its deliveries; how many were queued (0 when the rule is off,
    the incident fired before, or every channel's window is full). An incident of the project
    rather than one of its tasks (`task` None) says what happened in `summary`."""
    rule = await project_rule(session, project, kind)
    if not rule.enabled:
        return 0
    incident = await open_incident(
        session, kind, project, None if task is None else task.task_id, opened_by
    )
    if incident is None:
        return 0
    queued = 0
    if summary is None:
        if task is None:
            raise ValueError("an incident of the project says what happened in `summary`")
        summary = task_summary(kind, project, task)
    window_start = policy.window_start(now)
    for channel_id in await channels_to_notify(session, project, rule.channel_ids):
        if await admit(session, channel_id, kind, window_start, policy.debounce_limit):
            await queue(
                session, policy, channel_id=channel_id, project=project, kind=kind, task=task,
                summary=summary, now=now, incident_id=incident,
            )  # fmt: skip
            queued += 1
    return queued


async def queue(
    session: AsyncSession,
    policy: Policy,
    *,
    channel_id: str,
    project: str,
    kind: str,
    task: TaskInfo | None,
    summary: str,
    now: datetime,
    incident_id: int | None = None,
) -> str:
    """Put one delivery in the outbox, due now; its id."""
    delivery_id = new_delivery_id()
    payload = build_payload(
        delivery_id=delivery_id, kind=kind, at=now, project=project, task=task, summary=summary,
        dashboard_url=policy.dashboard_url,
    )  # fmt: skip
    await add_delivery(
        session,
        id=delivery_id,
        project=project,
        channel_id=channel_id,
        incident_id=incident_id,
        kind=kind,
        task_id=task.task_id if task else None,
        summary=summary,
        payload=payload.model_dump(mode="json"),
        created_at=now,
        next_attempt_at=now,
    )
    return delivery_id


async def queue_digest(
    session: AsyncSession, policy: Policy, digest: DueDigest, now: datetime
) -> str:
    kind = RuleKind(digest.kind)
    delivery_id = await queue(
        session, policy, channel_id=digest.channel_id, project=digest.project, kind=kind,
        task=None, summary=digest_summary(kind, digest.project, digest.folded), now=now,
    )  # fmt: skip
    await mark_digest(session, digest, delivery_id)
    return delivery_id

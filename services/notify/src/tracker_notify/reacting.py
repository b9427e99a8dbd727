"""What an event or a notice means for notifications:

- an error opens a `task_failed` incident, a finish a `task_finished` one;
- a status `needs_input` begins a wait (or, with `after_minutes` 0, fires at once); the due
  loop (`due.py`) fires waits still open `after_minutes` after the status;
- any other event of the task that happened after the wait began ends it;
- a stale notice opens a `task_stale` incident, keyed by when the task was last heard of, so
  the same silence fires once however often it is announced.

Each incident is keyed by the event (or silence) that opened it, so reading an entry again
changes nothing.
"""

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from tracker_contracts import AnyNotice, AnyTaskEvent, ErrorEvent, FinishEvent, StatusEvent

from .kinds import RuleKind, is_needs_input
from .notifying import Policy, notify
from .payload import TaskInfo
from .repositories.rules import project_rule
from .repositories.waits import begin_wait, end_wait


def task_of(event: AnyTaskEvent) -> TaskInfo:
    webhook = event.payload
    progress = message = None
    status = "running"
    if isinstance(event, StatusEvent):
        status, progress, message = (
            str(event.payload.status),
            event.payload.progress,
            event.payload.message,
        )
    elif isinstance(event, FinishEvent):
        status, progress, message = "completed", 100, event.payload.result
    elif isinstance(event, ErrorEvent):
        status = "failed"
        message = f"{event.payload.error_type}: {event.payload.error_message}"
    return TaskInfo(
        task_id=webhook.task_id,
        title=webhook.task,
        agent=webhook.agent,
        status=status,
        progress=progress,
        last_message=message,
        last_event_at=webhook.timestamp or event.received_at,
    )


async def react_to_event(
    session: AsyncSession, policy: Policy, event: AnyTaskEvent, now: datetime
) -> None:
    project, task = event.payload.project, task_of(event)
    opened_by = str(event.event_id)
    if isinstance(event, StatusEvent) and is_needs_input(str(event.payload.status)):
        await _begin_waiting(session, policy, project, task, opened_by, now)
        return
    await end_wait(session, project, task.task_id, task.last_event_at)
    kind = {ErrorEvent: RuleKind.TASK_FAILED, FinishEvent: RuleKind.TASK_FINISHED}.get(type(event))
    if kind is not None:
        await notify(
            session, policy, kind=kind, project=project, task=task, opened_by=opened_by, now=now
        )


async def _begin_waiting(
    session: AsyncSession,
    policy: Policy,
    project: str,
    task: TaskInfo,
    opened_by: str,
    now: datetime,
) -> None:
    rule = await project_rule(session, project, RuleKind.NEEDS_INPUT)
    if not rule.enabled:
        return
    if not rule.after_minutes:
        await notify(
            session, policy, kind=RuleKind.NEEDS_INPUT, project=project, task=task,
            opened_by=opened_by, now=now,
        )  # fmt: skip
        return
    since = task.last_event_at
    await begin_wait(
        session, project, task.task_id, opened_by, since,
        since + timedelta(minutes=rule.after_minutes), task.model_dump(mode="json"),
    )  # fmt: skip


async def react_to_notice(
    session: AsyncSession, policy: Policy, notice: AnyNotice, now: datetime
) -> None:
    stale = notice.data
    task = TaskInfo(
        task_id=stale.task_id,
        title=stale.title,
        agent=stale.agent,
        status=str(stale.status),
        progress=stale.progress,
        last_event_at=stale.last_event_at,
    )
    await notify(
        session, policy, kind=RuleKind.TASK_STALE, project=stale.project, task=task,
        opened_by=f"silent-since:{stale.last_event_at.isoformat()}", now=now,
    )  # fmt: skip

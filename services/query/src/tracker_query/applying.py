"""Applies a batch of stream events to the database in one transaction."""

import uuid
from collections.abc import Collection, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from tracker_contracts import (
    AnyTaskEvent,
    ErrorWebhook,
    FinishWebhook,
    StartWebhook,
    StatusWebhook,
    envelop,
)

from .lifecycle import TaskState, apply_event, usage_of
from .repositories.agents import touch_agents
from .repositories.events import record_new_events
from .repositories.projects import touch_projects
from .repositories.tasks import LockedTask, TaskKey, insert_tasks, lock_tasks, save_tasks
from .repositories.usage import UsedBy, record_usage


async def apply_events(session: AsyncSession, events: Sequence[AnyTaskEvent]) -> int:
    """Record each event once and fold the new ones into their tasks; return how many were new.
    The usage of a new event is kept too, and added to its task's totals.

    The caller commits. Events whose id is already recorded change nothing. A task's events are
    folded in batch order with `apply_event`, exactly as if each had come in a batch of its own,
    and each task is written once: a task seen for the first time is inserted as it ends up.
    """
    events = list({event.event_id: event for event in events}.values())
    if not events:
        return 0

    project_ids = await touch_projects(session, (e.payload.project for e in events))
    agent_ids = await touch_agents(session, _last_seen_by_agent(events))
    keys = [(project_ids[e.payload.project], e.payload.task_id) for e in events]
    touched = set(keys)
    known = await lock_tasks(session, touched)

    # A task that does not exist yet has no history: every event of it in the batch is new,
    # unless its id was recorded for another task (found out below, and rare). No other batch
    # can create it meanwhile: `touch_projects` has locked its project's row until commit.
    unknown = touched - known.keys()
    created = await insert_tasks(session, _folded(events, keys, dict.fromkeys(unknown), agent_ids))
    pks = created | {key: task.pk for key, task in known.items()}
    new_ids = await record_new_events(session, events, [pks[key] for key in keys])
    await record_usage(
        session,
        [
            UsedBy(event, usage, pks[key], key[0], agent_ids[event.payload.agent])
            for event, key in zip(events, keys, strict=True)
            if event.event_id in new_ids and (usage := usage_of(event)) is not None
        ],
    )

    # Events recorded now are folded into the tasks that existed, and into a created task
    # one of whose events turned out to be recorded already (folded again from nothing).
    recorded_before = {k for e, k in zip(events, keys, strict=True) if e.event_id not in new_ids}
    starts: dict[TaskKey, TaskState | None] = {k: replace(t.state) for k, t in known.items()}
    starts |= dict.fromkeys(recorded_before & created.keys())
    folded = _folded(events, keys, starts, agent_ids, only=new_ids)
    await save_tasks(
        session,
        [
            LockedTask(pks[key], state)
            for key, state in folded.items()
            if key not in known or state != known[key].state
        ],
    )
    return len(new_ids)


def _folded(
    events: Sequence[AnyTaskEvent],
    keys: Sequence[TaskKey],
    starts: Mapping[TaskKey, TaskState | None],
    agent_ids: dict[str, int],
    only: Collection[object] | None = None,
) -> dict[TaskKey, TaskState]:
    """The state each task of `starts` reaches from its start (None: from nothing) through its
    events (those in `only`), in batch order, with `apply_event`."""
    states = {key: state for key, state in starts.items() if state is not None}
    for event, key in zip(events, keys, strict=True):
        if key not in starts:
            continue
        agent_id = agent_ids[event.payload.agent]
        state = states.setdefault(key, TaskState(title=event.payload.task, agent_id=agent_id))
        if only is None or event.event_id in only:
            apply_event(state, event, agent_id)
    return states


def _last_seen_by_agent(events: Sequence[AnyTaskEvent]) -> dict[str, datetime]:
    last_seen: dict[str, datetime] = {}
    for event in events:
        name = event.payload.agent
        last_seen[name] = max(last_seen.get(name, event.received_at), event.received_at)
    return last_seen


async def probe(session: AsyncSession) -> None:
    """Apply harmless synthetic events the way real ones are, and roll them back: whatever makes
    this fail (a read-only database, a missing table or column, a revoked permission) would
    fail any event.

    The probe's task is created by one event and changed by the next three, so both the insert
    and the update of a task run, with every column an event can write. Its project and agent
    are new names: the probe waits for no other writer's locks and leaves nothing behind.
    """
    now, name = datetime.now(UTC), f"probe-{uuid.uuid4().hex}"
    task = {"project": name, "task": "probe", "task_id": name, "agent": name}
    details = {"metadata": {"probe": True}, "usage": {"model": "probe", "cost": 0}}
    at = [{**task, "timestamp": now + timedelta(seconds=second)} for second in range(4)]
    events = [
        envelop(webhook, now)
        for webhook in (
            StartWebhook(**at[0], metadata=details["metadata"]),
            StatusWebhook(**at[1], **details, progress=50, message="probe"),
            FinishWebhook(**at[2], **details, result="probe", duration_seconds=1.0),
            ErrorWebhook(
                **at[3], **details, error_type="Probe", error_message="probe", stack_trace="probe"
            ),
        )
    ]
    async with session.begin_nested() as savepoint:
        await apply_events(session, events[:1])
        await apply_events(session, events[1:])
        await savepoint.rollback()

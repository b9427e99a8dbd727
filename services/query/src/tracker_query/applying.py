"""Applies a batch of stream events to the database in one transaction."""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from tracker_contracts import AnyTaskEvent

from .lifecycle import apply_event
from .models import Task
from .repositories.agents import touch_agents
from .repositories.events import record_new_events
from .repositories.projects import touch_projects
from .repositories.tasks import lock_tasks


async def apply_events(session: AsyncSession, events: Sequence[AnyTaskEvent]) -> int:
    """Record each event once and fold the new ones into their tasks; return how many were new.

    The caller commits. Events whose id is already recorded change nothing.
    """
    events = list({event.event_id: event for event in events}.values())
    if not events:
        return 0

    project_ids = await touch_projects(session, (e.payload.project for e in events))
    agent_ids = await touch_agents(session, _last_seen_by_agent(events))
    tasks = await lock_tasks(
        session,
        [
            {
                "project_id": project_ids[e.payload.project],
                "task_id": e.payload.task_id,
                "title": e.payload.task,
                "agent_id": agent_ids[e.payload.agent],
            }
            for e in {(e.payload.project, e.payload.task_id): e for e in events}.values()
        ],
    )

    def task_of(event: AnyTaskEvent) -> Task:
        return tasks[(project_ids[event.payload.project], event.payload.task_id)]

    new_ids = await record_new_events(
        session,
        [
            {
                "event_id": e.event_id,
                "task_pk": task_of(e).id,
                "kind": e.kind,
                "agent": e.payload.agent,
                "occurred_at": e.occurred_at,
                "received_at": e.received_at,
                "payload": e.payload.model_dump(mode="json", exclude_none=True),
            }
            for e in events
        ],
    )
    for event in events:
        if event.event_id in new_ids:
            apply_event(task_of(event), event, agent_ids[event.payload.agent])
    return len(new_ids)


def _last_seen_by_agent(events: Sequence[AnyTaskEvent]) -> dict[str, datetime]:
    last_seen: dict[str, datetime] = {}
    for event in events:
        name = event.payload.agent
        last_seen[name] = max(last_seen.get(name, event.received_at), event.received_at)
    return last_seen

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import distinct, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import ColumnElement

from tracker_contracts import ACTIVE_STATUSES, TaskStatus

from ..models import Agent, Project, Task

_TOUCH = text("""
    INSERT INTO agents AS a (name, last_seen_at)
    SELECT name, last_seen_at
    FROM unnest(CAST(:names AS text[]), CAST(:last_seen AS timestamptz[]))
         AS new (name, last_seen_at)
    ORDER BY name
    ON CONFLICT (name) DO UPDATE SET last_seen_at = greatest(a.last_seen_at, excluded.last_seen_at)
    RETURNING a.name, a.id
""")


async def touch_agents(session: AsyncSession, last_seen: Mapping[str, datetime]) -> dict[str, int]:
    """Create missing agents, move `last_seen_at` forward, and return their ids by name."""
    rows = await session.execute(
        _TOUCH, {"names": list(last_seen), "last_seen": list(last_seen.values())}
    )
    return {name: id_ for name, id_ in rows}


@dataclass(frozen=True)
class AgentSummary:
    name: str
    first_seen: datetime
    last_seen: datetime
    projects: list[str]
    total_tasks: int
    active_tasks: int
    completed_tasks: int
    failed_tasks: int

    @property
    def success_rate(self) -> float | None:
        """Completed among finished tasks; None before any finished."""
        finished = self.completed_tasks + self.failed_tasks
        return self.completed_tasks / finished if finished else None


async def summarize_agents(
    session: AsyncSession, projects: Collection[str] | None = None, name: str | None = None
) -> list[AgentSummary]:
    """Each agent with the projects and tasks it works on (a task counts for its latest agent).

    Limited to `projects`, every figure comes from the agent's tasks in those projects alone:
    first seen when the first of them was recorded, last seen at the time of the newest event
    applied to them. The agent's own times span every project, so they are only given to a
    caller who sees every project.
    """
    first_seen: ColumnElement[datetime] = Agent.created_at.expression
    last_seen: ColumnElement[datetime] = Agent.last_seen_at.expression
    if projects is not None:
        first_seen = func.min(Task.created_at)
        last_seen = func.max(func.coalesce(Task.last_event_at, Task.created_at))
    query = (
        select(
            Agent.name,
            first_seen,
            last_seen,
            func.array_agg(distinct(Project.name)),
            func.count(Task.id),
            func.count(Task.id).filter(Task.status.in_([str(s) for s in ACTIVE_STATUSES])),
            func.count(Task.id).filter(Task.status == TaskStatus.COMPLETED),
            func.count(Task.id).filter(Task.status == TaskStatus.FAILED),
        )
        .join(Task, Task.agent_id == Agent.id)
        .join(Project, Project.id == Task.project_id)
        .group_by(Agent.id)
        .order_by(Agent.name)
    )
    if projects is not None:
        query = query.where(Project.name.in_(list(projects)))
    if name is not None:
        query = query.where(Agent.name == name)
    return [
        AgentSummary(name, first, last, sorted(names), total, active, completed, failed)
        for name, first, last, names, total, active, completed, failed in await session.execute(
            query
        )
    ]

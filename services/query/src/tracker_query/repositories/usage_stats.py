"""Statistics of tokens and cost, within a filter of projects, an agent and a time window.

Usage counts when its event happened (`occurred_at` in [since, until)) and for the agent that
reported it. Without a time window the sums come from `usage_totals`, kept by a database trigger
(a few rows per project, agent, model and currency); with one, from `event_usage` through its
indexes on time and project. Cost is summed per currency, never across.
"""

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, Select, func, literal, literal_column, select
from sqlalchemy.ext.asyncio import AsyncSession

from ..lifecycle import TOKENS, UsageTotals
from ..models import Agent, EventUsage, KeptUsage, Project, Task
from .stats import StatsFilter


class UsageKey(StrEnum):
    """What a breakdown of usage is by."""

    PROJECT = "project"
    AGENT = "agent"
    MODEL = "model"
    DAY = "day"


def _source(filters: StatsFilter, *, window: bool = False) -> Any:
    """The rows to sum: kept totals when `filters` have no time window and none is needed."""
    timeless = filters.since is None and filters.until is None
    return KeptUsage if timeless and not window else EventUsage


def _sums(source: Any) -> tuple[ColumnElement[Any], ...]:
    return (
        source.currency,
        *(func.sum(getattr(source, name)) for name in TOKENS),
        func.sum(source.cost),
    )


def _within(query: Select[Any], source: Any, filters: StatsFilter) -> Select[Any]:
    if filters.projects is not None:
        named = select(Project.id).where(Project.name.in_(list(filters.projects)))
        query = query.where(source.project_id.in_(named))
    if filters.agent is not None:
        query = query.where(
            source.agent_id.in_(select(Agent.id).where(Agent.name == filters.agent))
        )
    if source is KeptUsage:
        query = query.where(KeptUsage.events > 0)  # left behind by deleted tasks
    else:
        if filters.since is not None:
            query = query.where(EventUsage.occurred_at >= filters.since)
        if filters.until is not None:
            query = query.where(EventUsage.occurred_at < filters.until)
    return query


def _key_column(key: UsageKey | None, source: Any, unit: str) -> ColumnElement[Any]:
    match key:
        case None:
            return literal_column("NULL")
        case UsageKey.PROJECT:
            return select(Project.name).where(Project.id == source.project_id).scalar_subquery()
        case UsageKey.AGENT:
            return select(Agent.name).where(Agent.id == source.agent_id).scalar_subquery()
        case UsageKey.MODEL:
            return func.coalesce(source.model, literal(""))
        case UsageKey.DAY:
            return func.date_trunc(unit, EventUsage.occurred_at, "UTC")


async def usage_by(
    session: AsyncSession, filters: StatsFilter, key: UsageKey | None, unit: str = "day"
) -> dict[Any, UsageTotals]:
    """Usage summed per `key` (None: all of it under the key None). `unit` is the length of a
    `DAY` bucket (minute, hour or day), for time series."""
    source = _source(filters, window=key is UsageKey.DAY)
    column = _key_column(key, source, unit)
    grouping = (source.currency,) if key is None else (column, source.currency)
    query = select(column.label("key"), *_sums(source)).group_by(*grouping)
    sums: dict[Any, UsageTotals] = {}
    for key_value, currency, *rest in await session.execute(_within(query, source, filters)):
        *tokens, cost = rest
        sums[key_value] = sums.get(key_value, UsageTotals()).added(tokens, currency, cost)
    return sums


async def usage_total(session: AsyncSession, filters: StatsFilter) -> UsageTotals:
    return (await usage_by(session, filters, None)).get(None) or UsageTotals()


@dataclass(frozen=True)
class CostlyTask:
    project: str
    task_id: str
    title: str
    agent: str
    status: str
    cost: Decimal
    usage: UsageTotals


async def most_expensive_tasks(
    session: AsyncSession, filters: StatsFilter, currency: str, limit: int
) -> list[CostlyTask]:
    """The tasks whose events in the filter cost the most in `currency`, most first."""
    per_task = _within(
        select(
            EventUsage.task_pk,
            *(func.sum(getattr(EventUsage, name)).label(name) for name in TOKENS),
            func.sum(EventUsage.cost).label("cost"),
        )
        .where(EventUsage.currency == currency)
        .group_by(EventUsage.task_pk)
        .order_by(func.sum(EventUsage.cost).desc(), EventUsage.task_pk)
        .limit(limit),
        EventUsage,
        filters,
    ).subquery()
    query = (
        select(Project.name, Task.task_id, Task.title, Agent.name, Task.status, per_task)
        .join(Task, Task.id == per_task.c.task_pk)
        .join(Project, Project.id == Task.project_id)
        .join(Agent, Agent.id == Task.agent_id)
        .order_by(per_task.c.cost.desc(), per_task.c.task_pk)
    )
    found = []
    for project, task_id, title, agent, status, _pk, *rest in await session.execute(query):
        *tokens, cost = rest
        usage = UsageTotals().added(tokens, currency, cost)
        found.append(CostlyTask(project, task_id, title, agent, status, cost, usage))
    return found

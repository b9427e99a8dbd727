"""A project's own settings (stale time, event retention, budget), as opposed to the service's
configuration (`settings.py`), which applies to every project."""

from dataclasses import dataclass

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from ..models import ProjectSettings
from .budgets import Budget


@dataclass(frozen=True)
class ProjectSettingsValues:
    stale_after_seconds: int | None
    event_retention_days: int | None
    budget: Budget | None = None


async def read_project_settings(session: AsyncSession, project_id: int) -> ProjectSettingsValues:
    row = await session.get(ProjectSettings, project_id)
    if row is None:
        return ProjectSettingsValues(None, None)
    budget = None
    if row.budget_period and row.budget_amount is not None and row.budget_currency:
        budget = Budget(row.budget_period, row.budget_amount, row.budget_currency)
    return ProjectSettingsValues(row.stale_after_seconds, row.event_retention_days, budget)


async def write_project_settings(
    session: AsyncSession, project_id: int, values: ProjectSettingsValues
) -> None:
    fields = {
        "stale_after_seconds": values.stale_after_seconds,
        "event_retention_days": values.event_retention_days,
        "budget_period": values.budget and values.budget.period,
        "budget_amount": values.budget and values.budget.amount,
        "budget_currency": values.budget and values.budget.currency,
    }
    statement = insert(ProjectSettings).values(project_id=project_id, **fields)
    await session.execute(
        statement.on_conflict_do_update(index_elements=[ProjectSettings.project_id], set_=fields)
    )

"""A project's own settings (stale time, event retention), as opposed to the service's configuration
(`settings.py`), which applies to every project."""

from dataclasses import dataclass

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from ..models import ProjectSettings


@dataclass(frozen=True)
class ProjectSettingsValues:
    stale_after_seconds: int | None
    event_retention_days: int | None


async def read_project_settings(session: AsyncSession, project_id: int) -> ProjectSettingsValues:
    row = await session.get(ProjectSettings, project_id)
    if row is None:
        return ProjectSettingsValues(None, None)
    return ProjectSettingsValues(row.stale_after_seconds, row.event_retention_days)


async def write_project_settings(
    session: AsyncSession, project_id: int, values: ProjectSettingsValues
) -> None:
    fields = {
        "stale_after_seconds": values.stale_after_seconds,
        "event_retention_days": values.event_retention_days,
    }
    statement = insert(ProjectSettings).values(project_id=project_id, **fields)
    await session.execute(
        statement.on_conflict_do_update(index_elements=[ProjectSettings.project_id], set_=fields)
    )

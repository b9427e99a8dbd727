from dataclasses import dataclass

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from ..models import ProjectSettings


@dataclass(frozen=True)
class SettingsValues:
    stale_after_seconds: int | None
    event_retention_days: int | None


async def read_settings(session: AsyncSession, project_id: int) -> SettingsValues:
    row = await session.get(ProjectSettings, project_id)
    if row is None:
        return SettingsValues(None, None)
    return SettingsValues(row.stale_after_seconds, row.event_retention_days)


async def write_settings(session: AsyncSession, project_id: int, values: SettingsValues) -> None:
    fields = {
        "stale_after_seconds": values.stale_after_seconds,
        "event_retention_days": values.event_retention_days,
    }
    statement = insert(ProjectSettings).values(project_id=project_id, **fields)
    await session.execute(
        statement.on_conflict_do_update(index_elements=[ProjectSettings.project_id], set_=fields)
    )

"""Incidents: each (kind, project, task, opening event) fires once, however often the event
that opened it is read."""

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from ..models import incidents


async def open_incident(
    session: AsyncSession, kind: str, project: str, task_id: str, opened_by: str
) -> int | None:
    """The new incident's id; None when this one was opened before."""
    opened = await session.execute(
        insert(incidents)
        .values(kind=kind, project=project, task_id=task_id, opened_by=opened_by)
        .on_conflict_do_nothing(constraint="uq_incidents_key")
        .returning(incidents.c.id)
    )
    incident: int | None = opened.scalar()
    return incident

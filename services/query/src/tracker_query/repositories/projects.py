from collections.abc import Iterable, Sequence

from sqlalchemy import delete, func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from ..models import Project


async def list_projects(session: AsyncSession, include_archived: bool) -> Sequence[Project]:
    query = select(Project).order_by(Project.name)
    if not include_archived:
        query = query.where(Project.archived_at.is_(None))
    return (await session.scalars(query)).all()


async def find_project_id(session: AsyncSession, name: str) -> int | None:
    return await session.scalar(select(Project.id).where(Project.name == name))


_TOUCH = text("""
    INSERT INTO projects AS p (name)
    SELECT name FROM unnest(CAST(:names AS text[])) AS new (name) ORDER BY name
    ON CONFLICT (name) DO UPDATE SET updated_at = now()
    RETURNING p.name, p.id
""")


async def touch_projects(session: AsyncSession, names: Iterable[str]) -> dict[str, int]:
    """Create missing projects, mark all as just updated, and return their ids by name.

    The project rows stay locked until commit: batches touching one project apply in turn."""
    rows = await session.execute(_TOUCH, {"names": list(set(names))})
    return {name: id_ for name, id_ in rows}


async def set_archived(session: AsyncSession, project_id: int, archived: bool) -> None:
    await session.execute(
        update(Project)
        .where(Project.id == project_id)
        .values(archived_at=func.now() if archived else None)
    )


async def delete_project(session: AsyncSession, project_id: int) -> None:
    """Delete a project with its settings, tasks and their history (cascading)."""
    await session.execute(delete(Project).where(Project.id == project_id))

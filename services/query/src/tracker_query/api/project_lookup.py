"""A project named in a route's path, or 404."""

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ..errors import ProjectNotFound
from ..repositories.projects import find_project_id

NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "No project with that name."}}


async def project_id_of(session: AsyncSession, project_name: str) -> int:
    project_id = await find_project_id(session, project_name)
    if project_id is None:
        raise ProjectNotFound(project_name)
    return project_id

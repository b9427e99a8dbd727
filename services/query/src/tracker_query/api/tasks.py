from typing import Annotated

from fastapi import APIRouter, Query, Response

from .access import AllowedProjects, searched_projects
from .deps import ReadingSession
from .filters import PAGE_HEADERS, TaskSearchQuery, task_page
from .schemas import TaskOut
from .views import task_out

router = APIRouter(prefix="/api/tasks", tags=["tasks"])


@router.get(
    "",
    summary="Tasks across projects, most recently started first",
    response_model=list[TaskOut],
    responses={
        **PAGE_HEADERS,
        403: {"description": "The API key is limited to projects other than one named."},
    },
)
async def search_tasks(
    session: ReadingSession,
    allowed: AllowedProjects,
    query: Annotated[TaskSearchQuery, Query()],
    response: Response,
) -> list[TaskOut]:
    """Filtered and paged like a project's tasks; `project` narrows to some projects."""
    projects = searched_projects(query.project, allowed)
    rows = await task_page(session, query.where(projects=projects), query, response)
    return [task_out(row) for row in rows]

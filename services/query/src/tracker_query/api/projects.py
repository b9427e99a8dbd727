from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from ..errors import ProjectNotFound, TaskNotFound
from ..repositories.projects import find_project_id, list_projects
from ..repositories.tasks import find_task, task_history
from .access import AllowedProjects
from .deps import ReadingSession
from .filters import PAGE_HEADERS, TaskListQuery, task_page
from .schemas import EventOut, ProjectOut, TaskDetailOut, TaskOut
from .views import task_out

router = APIRouter(prefix="/api/projects", tags=["projects"])

_NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "No project with that name."}}


@router.get("", summary="All projects, by name", response_model=list[ProjectOut])
async def get_projects(
    session: ReadingSession,
    allowed: AllowedProjects,
    include_archived: Annotated[bool, Query(description="Also list archived projects.")] = False,
) -> list[ProjectOut]:
    return [
        ProjectOut.model_validate(p)
        for p in await list_projects(session, include_archived)
        if allowed is None or p.name in allowed
    ]


@router.get(
    "/{project_name}/tasks",
    summary="A project's tasks, most recently started first",
    response_model=list[TaskOut],
    responses={**_NOT_FOUND, **PAGE_HEADERS},
)
async def get_project_tasks(
    project_name: str,
    session: ReadingSession,
    query: Annotated[TaskListQuery, Query()],
    response: Response,
) -> list[TaskOut]:
    """Filtered and sorted; page with `cursor` (from `X-Next-Cursor`) or `offset`."""
    rows = await task_page(session, query.where(project=project_name), query, response)
    # Only an empty page asks whether the project exists: a page costs one round trip.
    if not rows and await find_project_id(session, project_name) is None:
        raise ProjectNotFound(project_name)
    return [task_out(row) for row in rows]


@router.get(
    "/{project_name}/tasks/{task_id}",
    summary="One task with its whole timeline: every event in the order it happened",
    response_model=TaskDetailOut,
    responses={404: {"description": "No such project, or no such task in it."}},
)
async def get_task(project_name: str, task_id: str, session: ReadingSession) -> TaskDetailOut:
    project_id = await find_project_id(session, project_name)
    if project_id is None:
        raise ProjectNotFound(project_name)
    row = await find_task(session, project_id, task_id)
    if row is None:
        raise TaskNotFound(project_name, task_id)
    events = [
        EventOut.model_validate(e, from_attributes=True)
        for e in await task_history(session, row.id)
    ]
    return TaskDetailOut(**task_out(row).model_dump(), stack_trace=row.stack_trace, events=events)

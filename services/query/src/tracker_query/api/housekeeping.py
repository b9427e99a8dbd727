"""Project settings and housekeeping: stale time, history retention, archive, delete."""

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from ..repositories.project_settings import (
    ProjectSettingsValues,
    read_project_settings,
    write_project_settings,
)
from ..repositories.projects import delete_project, set_archived
from ..settings import QuerySettings
from .access import Admin
from .budgets import BudgetIn
from .deps import Session
from .project_lookup import NOT_FOUND, project_id_of

router = APIRouter(prefix="/api/projects", tags=["project settings"])


class ProjectSettingsIn(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "stale_after_seconds": 900,
                    "event_retention_days": 30,
                    "budget": {"period": "month", "amount": 500, "currency": "USD"},
                }
            ]
        }
    )

    stale_after_seconds: int | None = Field(
        default=None,
        ge=10,
        le=30 * 24 * 3600,
        description="An active task without news this long becomes stale; null: the default.",
    )
    event_retention_days: int | None = Field(
        default=None,
        ge=1,
        le=3650,
        description="History events older than this are pruned; null: the default.",
    )
    budget: BudgetIn | None = Field(
        default=None,
        description="What the project may spend per day or month; crossing 80 % and 100 % of "
        "it is announced (`budget_crossed` on the live feed). null: no budget.",
    )


class ProjectSettingsOut(ProjectSettingsIn):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "stale_after_seconds": 900,
                    "event_retention_days": None,
                    "budget": None,
                    "effective_stale_after_seconds": 900,
                    "effective_event_retention_days": None,
                }
            ]
        }
    )

    effective_stale_after_seconds: int
    effective_event_retention_days: int | None = Field(description="null: history is kept forever.")


def _settings_out(values: ProjectSettingsValues, defaults: QuerySettings) -> ProjectSettingsOut:
    return ProjectSettingsOut(
        stale_after_seconds=values.stale_after_seconds,
        event_retention_days=values.event_retention_days,
        budget=None if values.budget is None else BudgetIn.of(values.budget),
        effective_stale_after_seconds=values.stale_after_seconds or defaults.stale_after_seconds,
        effective_event_retention_days=values.event_retention_days or defaults.event_retention_days,
    )


@router.get("/{project_name}/settings", summary="A project's settings", responses=NOT_FOUND)
async def get_settings(project_name: str, session: Session, request: Request) -> ProjectSettingsOut:
    values = await read_project_settings(session, await project_id_of(session, project_name))
    return _settings_out(values, request.app.state.settings)


@router.put(
    "/{project_name}/settings", summary="Change a project's settings (admin)", responses=NOT_FOUND
)
async def put_settings(
    project_name: str, changes: ProjectSettingsIn, session: Session, request: Request, _: Admin
) -> ProjectSettingsOut:
    values = ProjectSettingsValues(
        changes.stale_after_seconds,
        changes.event_retention_days,
        None if changes.budget is None else changes.budget.values(),
    )
    async with session.begin():
        await write_project_settings(session, await project_id_of(session, project_name), values)
    return _settings_out(values, request.app.state.settings)


@router.post(
    "/{project_name}/archive",
    status_code=204,
    summary="Hide a project from the project list (admin); its data stays",
    responses=NOT_FOUND,
)
async def archive(project_name: str, session: Session, _: Admin) -> Response:
    return await _mark_archived(session, project_name, archived=True)


@router.post(
    "/{project_name}/unarchive",
    status_code=204,
    summary="Show an archived project again (admin)",
    responses=NOT_FOUND,
)
async def unarchive(project_name: str, session: Session, _: Admin) -> Response:
    return await _mark_archived(session, project_name, archived=False)


async def _mark_archived(session: Session, project_name: str, *, archived: bool) -> Response:
    async with session.begin():
        await set_archived(session, await project_id_of(session, project_name), archived=archived)
    return Response(status_code=204)


@router.delete(
    "/{project_name}",
    status_code=204,
    summary="Delete a project with all its tasks and history (admin)",
    description="Events arriving for it later create it afresh.",
    responses=NOT_FOUND,
)
async def delete(project_name: str, session: Session, _: Admin) -> Response:
    async with session.begin():
        await delete_project(session, await project_id_of(session, project_name))
    return Response(status_code=204)

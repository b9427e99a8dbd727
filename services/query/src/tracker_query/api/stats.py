from fastapi import APIRouter

from ..repositories.projects import count_projects
from ..repositories.tasks import count_tasks
from .access import AllowedProjects
from .deps import Session
from .schemas import StatsOut

router = APIRouter(prefix="/api", tags=["statistics"])


@router.get("/stats", summary="Totals over all projects", response_model=StatsOut)
async def get_stats(session: Session, allowed: AllowedProjects) -> StatsOut:
    tasks = await count_tasks(session, allowed)
    return StatsOut(
        total_projects=await count_projects(session, allowed),
        total_tasks=tasks.total,
        active_tasks=tasks.active,
        completed_tasks=tasks.completed,
        failed_tasks=tasks.failed,
        average_duration=tasks.average_duration,
    )

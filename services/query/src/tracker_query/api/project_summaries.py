"""`/api/stats/projects/summary`: what the overview and the project sidebar show, a page of
projects in one request."""

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query, Response
from pydantic import ConfigDict, Field

from ..lifecycle import UsageTotals
from ..repositories.budgets import budget_statuses
from ..repositories.project_summaries import (
    HOUR,
    ProjectSelection,
    SummarySort,
    count_projects,
    summarize_projects,
)
from ..repositories.stats import StatsFilter
from ..repositories.usage_stats import UsageKey, usage_by
from .access import AllowedProjects
from .budgets import BudgetStatusOut
from .deps import ReadingSession
from .filters import TOTAL_COUNT, SearchText
from .stats import PROJECT_STATS_EXAMPLE, ProjectStatsOut

router = APIRouter(prefix="/api/stats", tags=["statistics"])

SERIES_HOURS = 24


class ProjectSummaryOut(ProjectStatsOut):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    **PROJECT_STATS_EXAMPLE,
                    "updated_at": "2024-01-01T10:00:00Z",
                    "started_per_hour": [*[0] * 20, 2, 5, 1, 3],
                    "budget": None,
                }
            ]
        }
    )

    updated_at: datetime = Field(
        description="Time of the project's latest applied event, as in `/api/projects`."
    )
    started_per_hour: list[int] = Field(
        min_length=SERIES_HOURS,
        max_length=SERIES_HOURS,
        description="Tasks started in each of the last 24 hours, oldest first; the last is the "
        "hour under way (UTC hours).",
    )
    budget: BudgetStatusOut | None = Field(
        default=None, description="The project's budget this period; null when it has none."
    )


@router.get(
    "/projects/summary",
    summary="A page of projects with their totals, last activity and starts per hour",
    description="Everything a project card shows, for a page of projects in one request. The "
    "number of matching projects over all pages is in `X-Total-Count`. A key limited to some "
    "projects sees only those.",
    response_model=list[ProjectSummaryOut],
    responses={
        200: {
            "headers": {
                TOTAL_COUNT: {
                    "description": "How many projects match, over all pages.",
                    "schema": {"type": "integer"},
                }
            }
        }
    },
)
async def get_project_summaries(
    session: ReadingSession,
    allowed: AllowedProjects,
    response: Response,
    q: Annotated[
        SearchText | None,
        Query(description="Keep only projects whose name contains this text, ignoring case."),
    ] = None,
    sort: Annotated[
        SummarySort,
        Query(description="`recent`: most recently active first; `name`: by name. Ties by name."),
    ] = SummarySort.RECENT,
    limit: Annotated[int, Query(ge=1, le=500, description="Projects per page.")] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000, description="Projects to skip.")] = 0,
    include_archived: Annotated[bool, Query(description="Also list archived projects.")] = False,
) -> list[ProjectSummaryOut]:
    selection = ProjectSelection(allowed, q, include_archived)
    series_since = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    series_since -= (SERIES_HOURS - 1) * HOUR
    summaries = await summarize_projects(
        session, selection, sort, limit, offset, series_since, SERIES_HOURS
    )
    response.headers[TOTAL_COUNT] = str(await count_projects(session, selection))
    page = StatsFilter(projects=[s.name for s in summaries])
    usage = await usage_by(session, page, UsageKey.PROJECT) if summaries else {}
    budgets = await budget_statuses(session, [s.name for s in summaries])
    return [
        ProjectSummaryOut.of(
            s.name,
            s.totals,
            usage.get(s.name) or UsageTotals(),
            updated_at=s.updated_at,
            started_per_hour=s.started_per_hour,
            budget=BudgetStatusOut.of(b) if (b := budgets.get(s.name)) else None,
        )
        for s in summaries
    ]

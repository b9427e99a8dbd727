"""`/api/stats/page`: everything the dashboard's statistics page shows, for one scope and
bucket, in one answer. The page reloads all of it together under a live feed; one request
instead of one per card means one round trip, one parse and one re-render per reload."""

from collections import defaultdict
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from tracker_contracts import DEFAULT_CURRENCY

from ..repositories.usage_stats import UsageKey
from .deps import ReadingSession
from .schemas import StatsOut
from .stats import (
    ErrorTypeOut,
    OutcomesOut,
    ProjectStatsOut,
    TimeSeriesOut,
    get_error_types,
    get_outcomes,
    get_project_stats,
    get_stats,
    get_time_series,
)
from .stats_params import BucketUnit, StatsFilterParams
from .usage_stats import (
    CostlyTaskOut,
    UsageSeriesOut,
    UsageShareOut,
    get_costly_tasks,
    get_usage,
    get_usage_series,
)

router = APIRouter(prefix="/api/stats", tags=["statistics"])


class UsagePageOut(BaseModel):
    series: UsageSeriesOut = Field(description="As `/api/stats/usage/timeseries`.")
    by_model: list[UsageShareOut] = Field(description="As `/api/stats/usage?by=model`.")
    by_agent: list[UsageShareOut] = Field(description="As `/api/stats/usage?by=agent`.")
    currency: str = Field(
        description="The currency most was spent in over the series (USD when none was).",
        examples=["USD"],
    )
    costly_tasks: list[CostlyTaskOut] = Field(
        description="As `/api/stats/usage/tasks`, ranked in `currency`."
    )


class StatsPageOut(BaseModel):
    totals: StatsOut = Field(description="As `/api/stats`.")
    outcomes: OutcomesOut = Field(description="As `/api/stats/outcomes`.")
    timeseries: TimeSeriesOut = Field(description="As `/api/stats/timeseries`.")
    errors: list[ErrorTypeOut] = Field(description="As `/api/stats/errors`.")
    projects: list[ProjectStatsOut] = Field(description="As `/api/stats/projects`.")
    usage: UsagePageOut


def main_currency(series: UsageSeriesOut) -> str:
    """The currency with the largest total cost over the series' points."""
    sums: defaultdict[str, float] = defaultdict(float)
    for point in series.points:
        for currency, amount in point.cost.items():
            sums[currency] += amount
    best = max(sums, key=sums.__getitem__, default=DEFAULT_CURRENCY)
    return best if sums.get(best, 0) > 0 else DEFAULT_CURRENCY


@router.get(
    "/page",
    summary="What the statistics page shows, in one answer",
    description="The answers of `/api/stats`, `/outcomes`, `/timeseries`, `/errors`, "
    "`/projects` and the usage endpoints for the same filter and bucket.",
)
async def get_stats_page(
    session: ReadingSession,
    filters: StatsFilterParams,
    bucket: BucketUnit = BucketUnit.HOUR,
    errors_limit: Annotated[int, Query(ge=1, le=100)] = 10,
    costly_limit: Annotated[int, Query(ge=1, le=100)] = 10,
) -> StatsPageOut:
    usage_series = await get_usage_series(session, filters, bucket)
    currency = main_currency(usage_series)
    return StatsPageOut(
        totals=await get_stats(session, filters),
        outcomes=await get_outcomes(session, filters),
        timeseries=await get_time_series(session, filters, bucket),
        errors=await get_error_types(session, filters, errors_limit),
        projects=await get_project_stats(session, filters),
        usage=UsagePageOut(
            series=usage_series,
            by_model=await get_usage(session, filters, UsageKey.MODEL),
            by_agent=await get_usage(session, filters, UsageKey.AGENT),
            currency=currency,
            costly_tasks=await get_costly_tasks(session, filters, currency, costly_limit),
        ),
    )

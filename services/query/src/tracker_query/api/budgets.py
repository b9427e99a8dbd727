"""`/api/projects/{project}/budget`: how much of its budget a project has spent this period.

The budget itself is one of the project's settings (`housekeeping.py`); the rule of what counts
against it is `repositories/budgets.py`'s."""

from datetime import date
from decimal import Decimal
from typing import Annotated, Literal

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from tracker_contracts import DEFAULT_CURRENCY, Currency, Money

from ..repositories.budgets import THRESHOLDS, Budget, BudgetStatus, budget_statuses
from .deps import ReadingSession
from .project_lookup import NOT_FOUND, project_id_of

router = APIRouter(prefix="/api/projects", tags=["project settings"])

BUDGET_MAX = Decimal(10**9)


class BudgetIn(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"period": "month", "amount": 500, "currency": "USD"}]}
    )

    period: Literal["day", "month"] = Field(description="Per UTC day or per UTC calendar month.")
    amount: Annotated[Money, Field(gt=0, le=BUDGET_MAX, decimal_places=10)] = Field(
        description="What the project may spend per period, in `currency`."
    )
    currency: Currency = Field(
        default=DEFAULT_CURRENCY,
        description="Only costs reported in this currency count against the budget.",
    )

    def values(self) -> Budget:
        return Budget(self.period, self.amount, self.currency)

    @classmethod
    def of(cls, budget: Budget) -> "BudgetIn":
        return cls(period="day" if budget.period == "day" else "month", **_money(budget))


def _money(budget: Budget) -> dict[str, object]:
    return {"amount": budget.amount, "currency": budget.currency}


class BudgetStatusOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "budget": {"period": "month", "amount": 500.0, "currency": "USD"},
                    "period_start": "2026-12-01",
                    "period_end": "2027-01-01",
                    "spent": 412.5,
                    "percent": 82.5,
                    "crossed": [80],
                }
            ]
        }
    )

    budget: BudgetIn
    period_start: date = Field(description="The current period's first day (UTC).")
    period_end: date = Field(description="The first day after the current period.")
    spent: Money = Field(description="What the project's events of the period cost so far.")
    percent: float = Field(description="`spent` as a percentage of the amount.")
    crossed: list[int] = Field(
        description=f"The thresholds (of {', '.join(map(str, THRESHOLDS))} %) crossed this "
        "period; each was announced once on the live feed as `budget_crossed`."
    )

    @classmethod
    def of(cls, status: BudgetStatus) -> "BudgetStatusOut":
        return cls(
            budget=BudgetIn.of(status.budget),
            period_start=status.period_start,
            period_end=status.period_end,
            spent=status.spent,
            percent=round(status.percent, 2),
            crossed=list(status.crossed),
        )


@router.get(
    "/{project_name}/budget",
    summary="A project's budget and what it has spent of it this period",
    description="`null` when the project has no budget (set one in its settings).",
    responses=NOT_FOUND,
)
async def get_budget(project_name: str, session: ReadingSession) -> BudgetStatusOut | None:
    await project_id_of(session, project_name)
    status = (await budget_statuses(session, [project_name])).get(project_name)
    return None if status is None else BudgetStatusOut.of(status)

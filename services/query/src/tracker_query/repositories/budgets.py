"""Budgets: a project's spending in its budget's current period, and the thresholds it crossed.

A budget is an amount a project may spend per day or per month (UTC), in one currency; costs in
other currencies do not count against it. Its spending is what the project's events of the
period cost, as `usage_daily` keeps it. Crossing 80 % and 100 % of the amount is recorded once
per period and amount (raising the budget re-arms the thresholds), then announced.
"""

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

THRESHOLDS = (80, 100)
"""The percentages of a budget whose crossing is announced."""

# The period containing `now()` (the transaction's start) for each budget: its first day, and
# the first day after it.
_PERIODS = """
    SELECT s.project_id, s.budget_period AS period, s.budget_amount AS amount,
           s.budget_currency AS currency, p.start,
           (p.start + CAST('1 ' || s.budget_period AS interval))::date AS end_
    FROM project_settings s
    CROSS JOIN LATERAL (
        SELECT date_trunc(s.budget_period, now() AT TIME ZONE 'UTC')::date AS start
    ) p
    WHERE s.budget_amount IS NOT NULL
"""
_SPENDING = f"""
    SELECT b.*, coalesce((SELECT sum(d.cost) FROM usage_daily d
                          WHERE d.project_id = b.project_id AND d.currency = b.currency
                            AND d.day >= b.start AND d.day < b.end_), 0) AS spent
    FROM ({_PERIODS}) b
"""

_RECORD_CROSSINGS = text(f"""
    INSERT INTO budget_crossings AS c (project_id, period, period_start, threshold, amount,
                                       currency, spent)
    SELECT s.project_id, s.period, s.start, t.threshold, s.amount, s.currency, s.spent
    FROM ({_SPENDING}) s
    CROSS JOIN unnest(CAST(:thresholds AS smallint[])) AS t (threshold)
    WHERE s.spent * 100 >= s.amount * t.threshold
    ORDER BY 1, 2, 3, 4
    ON CONFLICT DO NOTHING
""")

_STATUS = text(f"""
    SELECT p.name, s.period, s.amount, s.currency, s.start, s.end_, s.spent,
           coalesce((SELECT array_agg(c.threshold ORDER BY c.threshold) FROM budget_crossings c
                     WHERE c.project_id = s.project_id AND c.period = s.period
                       AND c.period_start = s.start AND c.amount = s.amount
                       AND c.currency = s.currency), '{{}}') AS crossed
    FROM ({_SPENDING}) s JOIN projects p ON p.id = s.project_id
    WHERE p.name = ANY(:projects)
""")

_CLAIM_UNANNOUNCED = text("""
    SELECT c.project_id, p.name AS project, c.period, c.period_start, c.threshold, c.amount,
           c.currency, c.spent, c.crossed_at
    FROM budget_crossings c JOIN projects p ON p.id = c.project_id
    WHERE c.announced_at IS NULL
    ORDER BY c.crossed_at, c.project_id, c.threshold
    LIMIT :limit
    FOR UPDATE OF c SKIP LOCKED
""")

_MARK_ANNOUNCED = text("""
    UPDATE budget_crossings SET announced_at = now()
    WHERE (project_id, period, period_start, threshold, amount, currency)
          IN (SELECT * FROM unnest(CAST(:project_ids AS integer[]), CAST(:periods AS text[]),
                                   CAST(:starts AS date[]), CAST(:thresholds AS smallint[]),
                                   CAST(:amounts AS numeric[]), CAST(:currencies AS text[])))
""")


@dataclass(frozen=True)
class Budget:
    """What a project may spend per period."""

    period: str
    amount: Decimal
    currency: str


@dataclass(frozen=True)
class BudgetStatus:
    """A budget in its current period: how much of it is spent, which thresholds were crossed."""

    budget: Budget
    period_start: date
    period_end: date
    spent: Decimal
    crossed: tuple[int, ...]

    @property
    def percent(self) -> float:
        return float(self.spent * 100 / self.budget.amount)


@dataclass(frozen=True)
class Crossing:
    """A threshold crossed, to announce."""

    project_id: int
    project: str
    period: str
    period_start: date
    threshold: int
    amount: Decimal
    currency: str
    spent: Decimal
    crossed_at: datetime


async def budget_statuses(
    session: AsyncSession, projects: Collection[str]
) -> dict[str, BudgetStatus]:
    """The status of the budget of each of `projects` (by name) that has one."""
    if not projects:
        return {}
    rows = await session.execute(_STATUS, {"projects": list(projects)})
    return {
        row.name: BudgetStatus(
            Budget(row.period, row.amount, row.currency),
            row.start,
            row.end_,
            row.spent,
            tuple(row.crossed),
        )
        for row in rows
    }


async def record_crossings(session: AsyncSession) -> None:
    """Record every threshold a budget's spending has reached in its current period."""
    await session.execute(_RECORD_CROSSINGS, {"thresholds": list(THRESHOLDS)})


async def claim_unannounced(session: AsyncSession, limit: int = 100) -> list[Crossing]:
    """Crossings not yet announced, oldest first, locked until the transaction ends (others
    claiming meanwhile skip them)."""
    rows = await session.execute(_CLAIM_UNANNOUNCED, {"limit": limit})
    return [Crossing(**row._mapping) for row in rows]


async def mark_announced(session: AsyncSession, crossings: Sequence[Crossing]) -> None:
    if not crossings:
        return
    await session.execute(
        _MARK_ANNOUNCED,
        {
            "project_ids": [c.project_id for c in crossings],
            "periods": [c.period for c in crossings],
            "starts": [c.period_start for c in crossings],
            "thresholds": [c.threshold for c in crossings],
            "amounts": [c.amount for c in crossings],
            "currencies": [c.currency for c in crossings],
        },
    )

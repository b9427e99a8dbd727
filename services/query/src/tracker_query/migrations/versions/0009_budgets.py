"""Budgets: what a project may spend per day or month, and the crossings of 80 % and 100 %.

- `project_settings.budget_period` ('day' or 'month', in UTC), `budget_amount` and
  `budget_currency`: a project's budget; none while the amount is null.
- `usage_daily`: the cost of each project's events per day and currency, added to as events
  are recorded (never subtracted: it is what was spent, whatever history is pruned later). A
  budget's spending is the sum of at most 31 of its rows.
- `budget_crossings`: each threshold a project's spending crossed in a period, for a budget
  amount; recorded once, and announced (live feed, notifications) once `announced_at` is set.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BACKFILL_USAGE_DAILY = """
INSERT INTO usage_daily (project_id, day, currency, cost)
SELECT project_id, (occurred_at AT TIME ZONE 'UTC')::date, currency, sum(cost)
FROM event_usage
WHERE cost IS NOT NULL AND currency IS NOT NULL
GROUP BY 1, 2, 3
"""


def upgrade() -> None:
    op.add_column("project_settings", sa.Column("budget_period", sa.String(5), nullable=True))
    op.add_column("project_settings", sa.Column("budget_amount", sa.Numeric(), nullable=True))
    op.add_column("project_settings", sa.Column("budget_currency", sa.String(3), nullable=True))
    op.create_check_constraint(
        op.f("ck_project_settings_budget_is_whole"),
        "project_settings",
        "(budget_amount IS NULL) = (budget_period IS NULL)"
        " AND (budget_amount IS NULL) = (budget_currency IS NULL)"
        " AND (budget_period IS NULL OR budget_period IN ('day', 'month'))",
    )
    op.create_table(
        "usage_daily",
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("cost", sa.Numeric(), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_usage_daily_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("project_id", "day", "currency", name=op.f("pk_usage_daily")),
    )
    op.execute(BACKFILL_USAGE_DAILY)
    op.create_table(
        "budget_crossings",
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(5), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("threshold", sa.SmallInteger(), nullable=False),
        sa.Column("amount", sa.Numeric(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("spent", sa.Numeric(), nullable=False),
        sa.Column(
            "crossed_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("announced_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_budget_crossings_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "project_id",
            "period",
            "period_start",
            "threshold",
            "amount",
            "currency",
            name=op.f("pk_budget_crossings"),
        ),
    )
    op.create_index(
        "ix_budget_crossings_unannounced",
        "budget_crossings",
        ["crossed_at"],
        postgresql_where=sa.text("announced_at IS NULL"),
    )


def downgrade() -> None:
    op.drop_table("budget_crossings")
    op.drop_table("usage_daily")
    op.drop_constraint(op.f("ck_project_settings_budget_is_whole"), "project_settings")
    op.drop_column("project_settings", "budget_currency")
    op.drop_column("project_settings", "budget_amount")
    op.drop_column("project_settings", "budget_period")

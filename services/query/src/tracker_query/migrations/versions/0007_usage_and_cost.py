"""Usage and cost: what each event's step used, and each task's totals.

- `event_usage`: one row per event that reported usage (tokens, cost and its currency, model),
  with its project, agent and time, for the statistics. Kept apart from `task_events`, so that
  pruning a project's history keeps what its work cost; it goes with its task.
- `tasks.usage`: the task's totals (tokens, cost per currency), for lists to show cheaply.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TOKENS = ("input_tokens", "output_tokens", "cache_read_tokens", "cache_write_tokens")


def upgrade() -> None:
    op.add_column("tasks", sa.Column("usage", postgresql.JSONB(), nullable=True))
    op.create_table(
        "event_usage",
        sa.Column("event_id", sa.UUID(), nullable=False),
        sa.Column("task_pk", sa.BigInteger(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column("model", sa.String(length=128), nullable=True),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        *(sa.Column(name, sa.BigInteger(), nullable=False) for name in TOKENS),
        sa.Column("cost", sa.Numeric(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.ForeignKeyConstraint(
            ["task_pk"],
            ["tasks.id"],
            name=op.f("fk_event_usage_task_pk_tasks"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_event_usage")),
    )
    op.create_index("ix_event_usage_occurred", "event_usage", ["occurred_at"])
    op.create_index("ix_event_usage_project_occurred", "event_usage", ["project_id", "occurred_at"])
    op.create_index("ix_event_usage_task_pk", "event_usage", ["task_pk"])


def downgrade() -> None:
    op.drop_table("event_usage")
    op.drop_column("tasks", "usage")

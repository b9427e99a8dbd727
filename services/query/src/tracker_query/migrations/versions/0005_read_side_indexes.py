"""Indexes for the dashboard's reads: one agent's tasks by duration, windowed statistics.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The `duration` order's key, as in 0002.
DURATION_KEY = (
    "(\nCASE\n    WHEN finished_at IS NULL THEN -1\n    ELSE coalesce(duration_seconds, "
    "greatest(EXTRACT(epoch FROM finished_at - started_at), 0))\nEND)"
)
# What statistics over a time window read of each task: with these in the start-time index,
# they read the index alone instead of every task row in the window.
STATISTICS_COLUMNS = ["project_id", "agent_id", "status", "duration_seconds", "finished_at"]


def upgrade() -> None:
    op.create_index("ix_tasks_agent_duration", "tasks", ["agent_id", sa.text(DURATION_KEY), "id"])
    op.drop_index("ix_tasks_started", table_name="tasks")
    op.create_index(
        "ix_tasks_started",
        "tasks",
        ["started_at", "id"],
        postgresql_include=STATISTICS_COLUMNS,
    )


def downgrade() -> None:
    op.drop_index("ix_tasks_started", table_name="tasks")
    op.create_index("ix_tasks_started", "tasks", ["started_at", "id"])
    op.drop_index("ix_tasks_agent_duration", table_name="tasks")

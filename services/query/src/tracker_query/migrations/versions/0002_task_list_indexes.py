"""Indexes for the task lists: every order, per project, per agent and across projects.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The `duration` order's key as the query service writes it, so that the planner matches it.
DURATION_KEY = (
    "(\nCASE\n    WHEN finished_at IS NULL THEN -1\n    ELSE coalesce(duration_seconds, "
    "greatest(EXTRACT(epoch FROM finished_at - started_at), 0))\nEND)"
)


def upgrade() -> None:
    op.create_index("ix_tasks_project_updated", "tasks", ["project_id", "updated_at", "id"])
    op.create_index(
        "ix_tasks_project_duration", "tasks", ["project_id", sa.text(DURATION_KEY), "id"]
    )
    op.create_index("ix_tasks_agent_started", "tasks", ["agent_id", "started_at", "id"])
    op.create_index("ix_tasks_started", "tasks", ["started_at", "id"])
    op.create_index("ix_tasks_updated", "tasks", ["updated_at", "id"])
    # Title search (`q`, ILIKE '%text%'); pg_trgm ships with PostgreSQL's contrib modules.
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.create_index(
        "ix_tasks_title_trgm",
        "tasks",
        ["title"],
        postgresql_using="gin",
        postgresql_ops={"title": "gin_trgm_ops"},
    )


def downgrade() -> None:
    # pg_trgm stays: other objects may have come to use it.
    op.drop_index("ix_tasks_title_trgm", table_name="tasks")
    op.drop_index("ix_tasks_updated", table_name="tasks")
    op.drop_index("ix_tasks_started", table_name="tasks")
    op.drop_index("ix_tasks_agent_started", table_name="tasks")
    op.drop_index("ix_tasks_project_duration", table_name="tasks")
    op.drop_index("ix_tasks_project_updated", table_name="tasks")

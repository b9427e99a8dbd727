"""Project settings (stale time, event retention) and archived projects.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "project_settings",
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("stale_after_seconds", sa.Integer(), nullable=True),
        sa.Column("event_retention_days", sa.Integer(), nullable=True),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_project_settings_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("project_id", name=op.f("pk_project_settings")),
    )
    op.add_column("projects", sa.Column("archived_at", sa.DateTime(timezone=True), nullable=True))
    # Finding silent tasks scans only active ones, oldest change first.
    op.create_index(
        "ix_tasks_active_updated",
        "tasks",
        ["updated_at"],
        postgresql_where=sa.text("status IN ('pending', 'running', 'paused')"),
    )
    op.create_index("ix_task_events_received", "task_events", ["received_at"])


def downgrade() -> None:
    op.drop_index("ix_task_events_received", table_name="task_events")
    op.drop_index("ix_tasks_active_updated", table_name="tasks")
    op.drop_column("projects", "archived_at")
    op.drop_table("project_settings")

"""The inbox: tasks needing a person, and failed or stale ones dismissed from it.

- `tasks.dismissed_at`: set when someone dismisses a failed or stale task from the inbox;
  cleared by the task's next event, which brings it back.
- `ix_tasks_inbox`: the tasks the inbox may list (needing input, failed, stale; not dismissed),
  by status and then by when their last event happened. Each reason's tasks are read oldest
  first straight from it, so a page or a count reads the inbox's few tasks, not the table.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

IN_INBOX = sa.text("status IN ('needs_input', 'failed', 'stale') AND dismissed_at IS NULL")


def upgrade() -> None:
    op.add_column("tasks", sa.Column("dismissed_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index(
        "ix_tasks_inbox",
        "tasks",
        ["status", "last_event_at", "id"],
        postgresql_include=["project_id"],
        postgresql_where=IN_INBOX,
    )


def downgrade() -> None:
    op.drop_index("ix_tasks_inbox", table_name="tasks")
    op.drop_column("tasks", "dismissed_at")

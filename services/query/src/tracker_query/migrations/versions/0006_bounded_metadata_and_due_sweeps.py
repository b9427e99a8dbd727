"""Bounded task metadata with a list-sized preview; sweeps that read only what is due.

- `tasks.metadata_truncated` and `tasks.metadata_preview`; `metadata_within()` picks the keys
  of an object that fit in a size (and a number of keys). Metadata stored before this revision
  beyond the bound the service now keeps is cut to it here, and its task marked truncated.
- `task_events.project_id` (a copy of its task's) and an index on (project_id, received_at):
  pruning reads each project's events older than its retention and nothing else.
- The active-tasks index gains the project in front, for the same reason for stale tasks.
- `sweep_leases`: the row a replica claims before sweeping.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ACTIVE = sa.text("status IN ('pending', 'running', 'paused')")

# NULL when `object` fits as a whole (or is not an object); else the object of its keys, taken
# in code-point order, each kept if it still fits. An object of n entries takes 2 + Σ entry +
# 2·(n − 1) bytes as PostgreSQL writes it (`"key": value, …`): Σ (entry + 2), as the
# service's `lifecycle` counts.
METADATA_WITHIN = """
CREATE FUNCTION metadata_within(object jsonb, max_bytes integer, max_keys integer DEFAULT NULL)
RETURNS jsonb LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
    kept jsonb := '{}';
    used integer := 0;
    kept_keys integer := 0;
    entry_size integer;
    entry record;
BEGIN
    IF object IS NULL OR jsonb_typeof(object) <> 'object' THEN
        RETURN NULL;
    END IF;
    IF octet_length(object::text) <= max_bytes
       AND (max_keys IS NULL OR (SELECT count(*) FROM jsonb_object_keys(object)) <= max_keys) THEN
        RETURN NULL;
    END IF;
    FOR entry IN SELECT key, value FROM jsonb_each(object) ORDER BY key COLLATE "C" LOOP
        EXIT WHEN kept_keys = max_keys;
        entry_size := octet_length(to_jsonb(entry.key)::text) + octet_length(entry.value::text) + 4;
        IF used + entry_size <= max_bytes THEN
            kept := kept || jsonb_build_object(entry.key, entry.value);
            used := used + entry_size;
            kept_keys := kept_keys + 1;
        END IF;
    END LOOP;
    RETURN kept;
END
$$
"""

# The bounds of this revision (the service's TASK_METADATA_MAX_BYTES and _KEYS, and
# LIST_METADATA_MAX_BYTES), as they were when it was written.
CAP_EXISTING = """
UPDATE tasks AS t
SET metadata = coalesce(c.capped, t.metadata),
    metadata_truncated = c.capped IS NOT NULL,
    metadata_preview = metadata_within(coalesce(c.capped, t.metadata), 2048)
FROM (
    SELECT id, metadata_within(metadata, 65536, 1000) AS capped
    FROM tasks
    WHERE metadata IS NOT NULL AND octet_length(metadata::text) > 2048
) AS c
WHERE t.id = c.id
"""


def upgrade() -> None:
    op.add_column(
        "tasks",
        sa.Column("metadata_truncated", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    op.add_column("tasks", sa.Column("metadata_preview", postgresql.JSONB(), nullable=True))
    op.execute(METADATA_WITHIN)
    op.execute(CAP_EXISTING)

    op.add_column("task_events", sa.Column("project_id", sa.Integer(), nullable=True))
    op.execute(
        "UPDATE task_events AS e SET project_id = t.project_id FROM tasks AS t "
        "WHERE t.id = e.task_pk"
    )
    op.alter_column("task_events", "project_id", nullable=False)
    op.create_index("ix_task_events_project_received", "task_events", ["project_id", "received_at"])
    op.drop_index("ix_task_events_received", table_name="task_events")

    op.create_index(
        "ix_tasks_active_project_updated",
        "tasks",
        ["project_id", "updated_at"],
        postgresql_where=ACTIVE,
    )
    op.drop_index("ix_tasks_active_updated", table_name="tasks")

    op.create_table(
        "sweep_leases",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_sweep_leases")),
    )


def downgrade() -> None:
    op.drop_table("sweep_leases")
    op.create_index("ix_tasks_active_updated", "tasks", ["updated_at"], postgresql_where=ACTIVE)
    op.drop_index("ix_tasks_active_project_updated", table_name="tasks")
    op.create_index("ix_task_events_received", "task_events", ["received_at"])
    op.drop_index("ix_task_events_project_received", table_name="task_events")
    op.drop_column("task_events", "project_id")
    op.execute("DROP FUNCTION metadata_within(jsonb, integer, integer)")
    op.drop_column("tasks", "metadata_preview")
    op.drop_column("tasks", "metadata_truncated")

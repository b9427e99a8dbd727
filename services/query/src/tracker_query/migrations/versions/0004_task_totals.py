"""Task totals kept by a trigger, so statistics never scan the tasks table.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# How much one task row adds to its totals row: one task and, when completed, its duration
# (as reported, else from start to end).
_KEEP_TOTALS = """
CREATE FUNCTION keep_task_totals() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    old_duration double precision;
    new_duration double precision;
BEGIN
    IF TG_OP = 'UPDATE'
       AND OLD.project_id = NEW.project_id AND OLD.agent_id = NEW.agent_id
       AND OLD.status = NEW.status
       AND OLD.duration_seconds IS NOT DISTINCT FROM NEW.duration_seconds
       AND OLD.started_at IS NOT DISTINCT FROM NEW.started_at
       AND OLD.finished_at IS NOT DISTINCT FROM NEW.finished_at THEN
        RETURN NULL;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        old_duration := CASE WHEN OLD.status = 'completed' AND OLD.finished_at IS NOT NULL THEN
            coalesce(OLD.duration_seconds,
                     greatest(extract(epoch FROM OLD.finished_at - OLD.started_at), 0)) END;
        -- An update only: when a project is deleted its totals go with it.
        UPDATE task_totals SET
            tasks = tasks - 1,
            duration_sum = duration_sum - coalesce(old_duration, 0),
            durations = durations - (old_duration IS NOT NULL)::int
        WHERE project_id = OLD.project_id AND agent_id = OLD.agent_id AND status = OLD.status;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        new_duration := CASE WHEN NEW.status = 'completed' AND NEW.finished_at IS NOT NULL THEN
            coalesce(NEW.duration_seconds,
                     greatest(extract(epoch FROM NEW.finished_at - NEW.started_at), 0)) END;
        INSERT INTO task_totals AS t (project_id, agent_id, status, tasks, duration_sum, durations)
        VALUES (NEW.project_id, NEW.agent_id, NEW.status, 1, coalesce(new_duration, 0),
                (new_duration IS NOT NULL)::int)
        ON CONFLICT (project_id, agent_id, status) DO UPDATE SET
            tasks = t.tasks + 1,
            duration_sum = t.duration_sum + excluded.duration_sum,
            durations = t.durations + excluded.durations;
    END IF;
    RETURN NULL;
END $$;
"""


def upgrade() -> None:
    op.create_table(
        "task_totals",
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("tasks", sa.BigInteger(), nullable=False),
        sa.Column("duration_sum", sa.Float(), nullable=False),
        sa.Column("durations", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_task_totals_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("project_id", "agent_id", "status", name=op.f("pk_task_totals")),
    )
    op.execute(_KEEP_TOTALS)
    op.execute(
        "CREATE TRIGGER keep_task_totals AFTER INSERT OR UPDATE OR DELETE ON tasks "
        "FOR EACH ROW EXECUTE FUNCTION keep_task_totals()"
    )
    op.execute("""
        INSERT INTO task_totals (project_id, agent_id, status, tasks, duration_sum, durations)
        SELECT project_id, agent_id, status, count(*),
               coalesce(sum(d), 0), count(d)
        FROM (SELECT project_id, agent_id, status,
                     CASE WHEN status = 'completed' AND finished_at IS NOT NULL THEN
                         coalesce(duration_seconds,
                                  greatest(extract(epoch FROM finished_at - started_at), 0))
                     END AS d
              FROM tasks) AS t
        GROUP BY project_id, agent_id, status
    """)


def downgrade() -> None:
    op.execute("DROP TRIGGER keep_task_totals ON tasks")
    op.execute("DROP FUNCTION keep_task_totals()")
    op.drop_table("task_totals")

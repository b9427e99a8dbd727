"""Usage and cost: what each event's step used, and each task's totals.

- `event_usage`: one row per event that reported usage (tokens, cost and its currency, model),
  with its project, agent and time, for the statistics. Kept apart from `task_events`, so that
  pruning a project's history keeps what its work cost; it goes with its task.
- `tasks.usage`: the task's totals (tokens, cost per currency), for lists to show cheaply.
- `usage_totals`: the sums of `event_usage` per project, agent, model and currency, kept by a
  trigger as rows come and go (as `task_totals` is): statistics without a time window read
  these few rows instead of every event's.

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
_ADDED = ", ".join(f"{name} = u.{name} + excluded.{name}" for name in TOKENS)
_REMOVED = ", ".join(f"{name} = {name} - OLD.{name}" for name in TOKENS)

# An event without a model or a cost is kept under '' (a key cannot be NULL).
KEEP_USAGE_TOTALS = f"""
CREATE FUNCTION keep_usage_totals() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO usage_totals AS u (project_id, agent_id, model, currency, events,
                                       {", ".join(TOKENS)}, cost)
        VALUES (NEW.project_id, NEW.agent_id, coalesce(NEW.model, ''),
                coalesce(NEW.currency, ''), 1, {", ".join(f"NEW.{name}" for name in TOKENS)},
                coalesce(NEW.cost, 0))
        ON CONFLICT (project_id, agent_id, model, currency) DO UPDATE SET
            events = u.events + 1, {_ADDED}, cost = u.cost + excluded.cost;
    ELSE
        UPDATE usage_totals SET
            events = events - 1, {_REMOVED}, cost = cost - coalesce(OLD.cost, 0)
        WHERE project_id = OLD.project_id AND agent_id = OLD.agent_id
          AND model = coalesce(OLD.model, '') AND currency = coalesce(OLD.currency, '');
    END IF;
    RETURN NULL;
END $$
"""
TRIGGER = """
CREATE TRIGGER keep_usage_totals AFTER INSERT OR DELETE ON event_usage
FOR EACH ROW EXECUTE FUNCTION keep_usage_totals()
"""


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
    op.create_table(
        "usage_totals",
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column("model", sa.String(length=128), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("events", sa.BigInteger(), nullable=False),
        *(sa.Column(name, sa.BigInteger(), nullable=False) for name in TOKENS),
        sa.Column("cost", sa.Numeric(), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_usage_totals_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "project_id", "agent_id", "model", "currency", name=op.f("pk_usage_totals")
        ),
    )
    op.execute(KEEP_USAGE_TOTALS)
    op.execute(TRIGGER)


def downgrade() -> None:
    op.drop_table("event_usage")
    op.execute("DROP FUNCTION keep_usage_totals()")
    op.drop_table("usage_totals")
    op.drop_column("tasks", "usage")

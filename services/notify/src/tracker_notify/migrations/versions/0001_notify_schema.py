"""The notify schema: channels, rules, incidents, waits, deliveries, debounce windows.

Revision ID: 0001
Revises:
Create Date: 2026-12-03 09:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "notify"


def _at(name: str, *, default: bool = False) -> sa.Column[object]:
    return sa.Column(
        name,
        sa.DateTime(timezone=True),
        nullable=not default,
        server_default=sa.text("now()") if default else None,
    )


def upgrade() -> None:
    op.create_table(
        "channels",
        sa.Column("id", sa.Text(), primary_key=True),
        sa.Column("project", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("type", sa.Text(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column(
            "url", sa.Text(), comment="webhook and slack: the receiver's URL (a secret for Slack)"
        ),
        sa.Column("recipients", postgresql.ARRAY(sa.Text()), comment="email: the addresses"),
        sa.Column("secret", sa.Text(), comment="webhook: the signing secret, whsec_<base64>"),
        _at("created_at", default=True),
        sa.PrimaryKeyConstraint("id", name="pk_channels"),
        schema=SCHEMA,
    )
    op.create_index("ix_notify_channels_project", "channels", ["project"], schema=SCHEMA)
    op.create_table(
        "rules",
        sa.Column("project", sa.Text(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("after_minutes", sa.Integer()),
        sa.Column("channel_ids", postgresql.ARRAY(sa.Text()), nullable=False, server_default="{}"),
        sa.PrimaryKeyConstraint("project", "kind", name="pk_rules"),
        schema=SCHEMA,
    )
    op.create_table(
        "incidents",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("project", sa.Text(), nullable=False),
        sa.Column("task_id", sa.Text(), nullable=False),
        sa.Column(
            "opened_by", sa.Text(), nullable=False, comment="the event (or notice) that opened it"
        ),
        _at("opened_at", default=True),
        sa.PrimaryKeyConstraint("id", name="pk_incidents"),
        sa.UniqueConstraint("kind", "project", "task_id", "opened_by", name="uq_incidents_key"),
        schema=SCHEMA,
    )
    op.create_table(
        "waits",
        sa.Column("project", sa.Text(), nullable=False),
        sa.Column("task_id", sa.Text(), nullable=False),
        sa.Column(
            "opened_by", sa.Text(), nullable=False, comment="the status event that began the wait"
        ),
        _at("since", default=True),
        _at("due_at", default=True),
        sa.Column(
            "task",
            postgresql.JSONB(),
            nullable=False,
            comment="the task as the opening event told it",
        ),
        sa.PrimaryKeyConstraint("project", "task_id", name="pk_waits"),
        schema=SCHEMA,
    )
    op.create_index("ix_notify_waits_due_at", "waits", ["due_at"], schema=SCHEMA)
    op.create_table(
        "deliveries",
        sa.Column("id", sa.Text(), nullable=False, comment="dl_<time-ordered>: the webhook-id"),
        sa.Column("project", sa.Text(), nullable=False),
        sa.Column("channel_id", sa.Text(), nullable=False),
        sa.Column("incident_id", sa.BigInteger()),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("task_id", sa.Text()),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column(
            "payload",
            postgresql.JSONB(),
            nullable=False,
            comment="the webhook body, fixed at creation",
        ),
        sa.Column("status", sa.Text(), nullable=False, server_default="pending"),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("response_code", sa.Integer()),
        sa.Column("error", sa.Text()),
        _at("created_at", default=True),
        _at("sent_at"),
        _at("next_attempt_at"),
        _at("lease_until"),
        sa.Column("lease_token", sa.Text()),
        sa.PrimaryKeyConstraint("id", name="pk_deliveries"),
        sa.UniqueConstraint("incident_id", "channel_id", name="uq_deliveries_incident_channel"),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_deliveries_due",
        "deliveries",
        ["next_attempt_at"],
        schema=SCHEMA,
        postgresql_where=sa.text("status IN ('pending', 'retrying')"),
    )
    op.create_index("ix_deliveries_project_id", "deliveries", ["project", "id"], schema=SCHEMA)
    op.create_index("ix_deliveries_channel_id", "deliveries", ["channel_id", "id"], schema=SCHEMA)
    op.create_table(
        "debounce_windows",
        sa.Column("channel_id", sa.Text(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        _at("window_start", default=True),
        sa.Column("sent", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("folded", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("digest_id", sa.Text(), comment="the digest delivery, once created"),
        sa.PrimaryKeyConstraint("channel_id", "kind", "window_start", name="pk_debounce_windows"),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_debounce_windows_digest_due",
        "debounce_windows",
        ["window_start"],
        schema=SCHEMA,
        postgresql_where=sa.text("folded > 0 AND digest_id IS NULL"),
    )


def downgrade() -> None:
    for table in ("debounce_windows", "deliveries", "waits", "incidents", "rules", "channels"):
        op.drop_table(table, schema=SCHEMA)

"""The tables of the schema `notify`: channels and rules per project, the incidents that fired,
the tasks waiting for input, the deliveries (the outbox and its log) and the debounce windows."""

from sqlalchemy import (
    ARRAY,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Identity,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    Table,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB

SCHEMA = "notify"
metadata = MetaData(
    schema=SCHEMA,
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "pk": "pk_%(table_name)s",
    },
)


def _created_at() -> Column[object]:
    return Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now())


channels = Table(
    "channels",
    metadata,
    Column("id", Text, primary_key=True),
    Column("project", Text, nullable=False),
    Column("name", Text, nullable=False),
    Column("type", Text, nullable=False),
    Column("enabled", Boolean, nullable=False),
    Column("url", Text, comment="webhook and slack: the receiver's URL (a secret for Slack)"),
    Column("recipients", ARRAY(Text), comment="email: the addresses"),
    Column("secret", Text, comment="webhook: the signing secret, whsec_<base64>"),
    _created_at(),
    Index("ix_notify_channels_project", "project"),
)

rules = Table(
    "rules",
    metadata,
    Column("project", Text, nullable=False),
    Column("kind", Text, nullable=False),
    Column("enabled", Boolean, nullable=False),
    Column("after_minutes", Integer),
    Column("channel_ids", ARRAY(Text), nullable=False, server_default="{}"),
    PrimaryKeyConstraint("project", "kind"),
)

incidents = Table(
    "incidents",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("kind", Text, nullable=False),
    Column("project", Text, nullable=False),
    Column("task_id", Text, nullable=False),
    Column("opened_by", Text, nullable=False, comment="the event (or notice) that opened it"),
    Column("opened_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    UniqueConstraint("kind", "project", "task_id", "opened_by", name="uq_incidents_key"),
)

waits = Table(
    "waits",
    metadata,
    Column("project", Text, nullable=False),
    Column("task_id", Text, nullable=False),
    Column("opened_by", Text, nullable=False, comment="the status event that began the wait"),
    Column("since", DateTime(timezone=True), nullable=False),
    Column("due_at", DateTime(timezone=True), nullable=False),
    Column("task", JSONB, nullable=False, comment="the task as the opening event told it"),
    PrimaryKeyConstraint("project", "task_id"),
    Index("ix_notify_waits_due_at", "due_at"),
)

deliveries = Table(
    "deliveries",
    metadata,
    Column("id", Text, primary_key=True, comment="dl_<time-ordered>: the webhook-id"),
    Column("project", Text, nullable=False),
    Column("channel_id", Text, nullable=False),
    Column("incident_id", BigInteger),
    Column("kind", Text, nullable=False),
    Column("task_id", Text),
    Column("summary", Text, nullable=False),
    Column("payload", JSONB, nullable=False, comment="the webhook body, fixed at creation"),
    Column("status", Text, nullable=False, server_default="pending"),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("response_code", Integer),
    Column("error", Text),
    _created_at(),
    Column("sent_at", DateTime(timezone=True)),
    Column("next_attempt_at", DateTime(timezone=True)),
    Column("lease_until", DateTime(timezone=True)),
    Column("lease_token", Text),
    UniqueConstraint("incident_id", "channel_id", name="uq_deliveries_incident_channel"),
    Index(
        "ix_deliveries_due",
        "next_attempt_at",
        postgresql_where=text("status IN ('pending', 'retrying')"),
    ),
    Index("ix_deliveries_project_id", "project", "id"),
    Index("ix_deliveries_channel_id", "channel_id", "id"),
)

debounce_windows = Table(
    "debounce_windows",
    metadata,
    Column("channel_id", Text, nullable=False),
    Column("kind", Text, nullable=False),
    Column("window_start", DateTime(timezone=True), nullable=False),
    Column("sent", Integer, nullable=False, server_default="0"),
    Column("folded", Integer, nullable=False, server_default="0"),
    Column("digest_id", Text, comment="the digest delivery, once created"),
    PrimaryKeyConstraint("channel_id", "kind", "window_start"),
    Index(
        "ix_debounce_windows_digest_due",
        "window_start",
        postgresql_where=text("folded > 0 AND digest_id IS NULL"),
    ),
)

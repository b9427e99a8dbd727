"""Tables owned by the query service. The schema itself is created by Alembic migrations."""

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    case,
    false,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.sql import ColumnElement

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

Timestamp = DateTime(timezone=True)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Project(Base):
    __tablename__ = "projects"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(128), unique=True)
    created_at: Mapped[datetime] = mapped_column(Timestamp, server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(Timestamp, server_default=func.now())
    archived_at: Mapped[datetime | None] = mapped_column(
        Timestamp, doc="Set while the project is hidden from the project list."
    )


class ProjectSettings(Base):
    """Per-project choices; a missing row or a null value means the service default."""

    __tablename__ = "project_settings"

    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True
    )
    __table_args__ = (
        CheckConstraint(
            "(budget_amount IS NULL) = (budget_period IS NULL)"
            " AND (budget_amount IS NULL) = (budget_currency IS NULL)"
            " AND (budget_period IS NULL OR budget_period IN ('day', 'month'))",
            name="budget_is_whole",
        ),
    )

    stale_after_seconds: Mapped[int | None] = mapped_column(Integer)
    event_retention_days: Mapped[int | None] = mapped_column(Integer)
    budget_period: Mapped[str | None] = mapped_column(String(5), doc="'day' or 'month', in UTC.")
    budget_amount: Mapped[Decimal | None] = mapped_column(Numeric)
    budget_currency: Mapped[str | None] = mapped_column(String(3))
    updated_at: Mapped[datetime] = mapped_column(
        Timestamp, server_default=func.now(), onupdate=func.now()
    )


class Agent(Base):
    __tablename__ = "agents"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(128), unique=True)
    created_at: Mapped[datetime] = mapped_column(Timestamp, server_default=func.now())
    last_seen_at: Mapped[datetime] = mapped_column(Timestamp, server_default=func.now())


class Task(Base):
    """Current state of one task: the result of applying its events in order."""

    __tablename__ = "tasks"
    __table_args__ = (
        UniqueConstraint("project_id", "task_id"),
        Index("ix_tasks_project_started", "project_id", "started_at", "id"),
        Index("ix_tasks_status", "status"),
        # The task lists' orders (migration 0002). The duration key is the lists' expression, laid
        # out as PostgreSQL prints it back so that autogenerate finds it unchanged.
        Index("ix_tasks_project_updated", "project_id", "updated_at", "id"),
        Index(
            "ix_tasks_project_duration",
            "project_id",
            text(
                "(\nCASE\n    WHEN finished_at IS NULL THEN -1\n"
                "    ELSE coalesce(duration_seconds, "
                "greatest(EXTRACT(epoch FROM finished_at - started_at), 0))\nEND)"
            ),
            "id",
        ),
        Index("ix_tasks_agent_started", "agent_id", "started_at", "id"),
        # One agent's tasks by duration; windowed statistics read the start-time index alone
        # (migration 0005).
        Index(
            "ix_tasks_agent_duration",
            "agent_id",
            text(
                "(\nCASE\n    WHEN finished_at IS NULL THEN -1\n"
                "    ELSE coalesce(duration_seconds, "
                "greatest(EXTRACT(epoch FROM finished_at - started_at), 0))\nEND)"
            ),
            "id",
        ),
        Index(
            "ix_tasks_started",
            "started_at",
            "id",
            postgresql_include=[
                "project_id",
                "agent_id",
                "status",
                "duration_seconds",
                "finished_at",
            ],
        ),
        Index("ix_tasks_updated", "updated_at", "id"),
        # Finding silent tasks reads, project by project, only the active ones that may go stale
        # (not those needing input) and are due (migration 0006).
        Index(
            "ix_tasks_active_project_updated",
            "project_id",
            "updated_at",
            postgresql_where=text("status IN ('pending', 'running', 'paused')"),
        ),
        # The inbox reads each reason's tasks oldest first (migration 0008).
        Index(
            "ix_tasks_inbox",
            "status",
            "last_event_at",
            "id",
            postgresql_include=["project_id"],
            postgresql_where=text(
                "status IN ('needs_input', 'failed', 'stale') AND dismissed_at IS NULL"
            ),
        ),
        Index(
            "ix_tasks_title_trgm",
            "title",
            postgresql_using="gin",
            postgresql_ops={"title": "gin_trgm_ops"},
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    task_id: Mapped[str] = mapped_column(String(128))
    title: Mapped[str] = mapped_column(String(512))
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id"))
    status: Mapped[str] = mapped_column(String(16))
    progress: Mapped[int] = mapped_column(SmallInteger, default=0)
    message: Mapped[str | None] = mapped_column(Text)
    result: Mapped[str | None] = mapped_column(Text)
    error_type: Mapped[str | None] = mapped_column(String(256))
    error_message: Mapped[str | None] = mapped_column(Text)
    stack_trace: Mapped[str | None] = mapped_column(Text)
    details: Mapped[dict[str, Any] | None] = mapped_column("metadata", JSONB)
    metadata_truncated: Mapped[bool] = mapped_column(
        Boolean,
        server_default=false(),
        doc="Set for good once an event's metadata was left out to keep the task's bounded.",
    )
    metadata_preview: Mapped[dict[str, Any] | None] = mapped_column(
        JSONB, doc="What task lists show instead of `details` when it is too big for them."
    )
    started_at: Mapped[datetime | None] = mapped_column(Timestamp)
    finished_at: Mapped[datetime | None] = mapped_column(Timestamp)
    duration_seconds: Mapped[float | None] = mapped_column(
        Float, doc="The duration the agent reported, if it did; see `duration`."
    )
    last_event_at: Mapped[datetime | None] = mapped_column(
        Timestamp, doc="Time of the newest event applied; older events only join the history."
    )
    usage: Mapped[dict[str, Any] | None] = mapped_column(
        JSONB,
        doc="The sum of its events' usage (see `lifecycle.UsageTotals`); null while none "
        "reported any.",
    )
    dismissed_at: Mapped[datetime | None] = mapped_column(
        Timestamp,
        doc="When a person dismissed the failed or stale task from the inbox; its next event "
        "clears it.",
    )
    created_at: Mapped[datetime] = mapped_column(Timestamp, server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        Timestamp, server_default=func.now(), onupdate=func.now()
    )

    @hybrid_property
    def duration(self) -> float | None:
        """How long the task took: as reported, else from its start to its end."""
        if self.duration_seconds is not None:
            return self.duration_seconds
        if self.finished_at is None or self.started_at is None:
            return None
        return max((self.finished_at - self.started_at).total_seconds(), 0.0)

    @duration.inplace.expression
    @classmethod
    def _duration_expression(cls) -> ColumnElement[float | None]:
        measured = func.extract("epoch", cls.finished_at - cls.started_at)
        return case(
            (cls.finished_at.is_(None), None),
            else_=func.coalesce(cls.duration_seconds, func.greatest(measured, 0.0)),
        )


class TaskTotals(Base):
    """Tasks per project, agent and status, kept by a database trigger on `tasks`
    (migration 0004): statistics read these few rows instead of every task."""

    __tablename__ = "task_totals"

    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True
    )
    agent_id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[str] = mapped_column(String(16), primary_key=True)
    tasks: Mapped[int] = mapped_column(BigInteger)
    duration_sum: Mapped[float] = mapped_column(Float, doc="Seconds, over completed tasks.")
    durations: Mapped[int] = mapped_column(BigInteger, doc="Completed tasks in duration_sum.")


class EventRecord(Base):
    """One accepted event, kept as the task's history; its event id makes applying idempotent."""

    __tablename__ = "task_events"
    __table_args__ = (
        Index("ix_task_events_task_occurred", "task_pk", "occurred_at", "id"),
        # Pruning reads, project by project, only events older than its retention (0006).
        Index("ix_task_events_project_received", "project_id", "received_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    event_id: Mapped[uuid.UUID] = mapped_column(UUID, unique=True)
    task_pk: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"))
    project_id: Mapped[int] = mapped_column(
        Integer, doc="The task's project, copied so history is pruned project by project."
    )
    kind: Mapped[str] = mapped_column(String(16))
    agent: Mapped[str] = mapped_column(String(128))
    occurred_at: Mapped[datetime] = mapped_column(Timestamp)
    received_at: Mapped[datetime] = mapped_column(Timestamp)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB)

    @property
    def usage(self) -> dict[str, Any] | None:
        """What the event's step used, as it reported."""
        usage: dict[str, Any] | None = self.payload.get("usage")
        return usage


class EventUsage(Base):
    """What one event's step used, as it reported (migration 0007): the statistics of tokens
    and cost read these rows. Kept when the event's history is pruned; goes with its task."""

    __tablename__ = "event_usage"
    __table_args__ = (
        Index("ix_event_usage_occurred", "occurred_at"),
        Index("ix_event_usage_project_occurred", "project_id", "occurred_at"),
        Index("ix_event_usage_task_pk", "task_pk"),
    )

    event_id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True)
    task_pk: Mapped[int] = mapped_column(BigInteger, ForeignKey("tasks.id", ondelete="CASCADE"))
    project_id: Mapped[int] = mapped_column(Integer)
    agent_id: Mapped[int] = mapped_column(Integer)
    model: Mapped[str | None] = mapped_column(String(128))
    occurred_at: Mapped[datetime] = mapped_column(Timestamp)
    input_tokens: Mapped[int] = mapped_column(BigInteger)
    output_tokens: Mapped[int] = mapped_column(BigInteger)
    cache_read_tokens: Mapped[int] = mapped_column(BigInteger)
    cache_write_tokens: Mapped[int] = mapped_column(BigInteger)
    cost: Mapped[Decimal | None] = mapped_column(Numeric)
    currency: Mapped[str | None] = mapped_column(String(3))


class KeptUsage(Base):
    """`event_usage` summed per project, agent, model and currency, kept by a database trigger
    (migration 0007): statistics without a time window read these few rows. An event without a
    model or a cost counts under ''."""

    __tablename__ = "usage_totals"

    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True
    )
    agent_id: Mapped[int] = mapped_column(primary_key=True)
    model: Mapped[str] = mapped_column(String(128), primary_key=True)
    currency: Mapped[str] = mapped_column(String(3), primary_key=True)
    events: Mapped[int] = mapped_column(BigInteger)
    input_tokens: Mapped[int] = mapped_column(BigInteger)
    output_tokens: Mapped[int] = mapped_column(BigInteger)
    cache_read_tokens: Mapped[int] = mapped_column(BigInteger)
    cache_write_tokens: Mapped[int] = mapped_column(BigInteger)
    cost: Mapped[Decimal] = mapped_column(Numeric)


class DailyCost(Base):
    """What each project's events cost per day (UTC) and currency (migration 0009): added to as
    events are recorded and never subtracted, so pruning history leaves what was spent."""

    __tablename__ = "usage_daily"

    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    currency: Mapped[str] = mapped_column(String(3), primary_key=True)
    cost: Mapped[Decimal] = mapped_column(Numeric)


class BudgetCrossing(Base):
    """A threshold (80 or 100 % of a budget's amount) a project's spending crossed in a period,
    recorded once; `announced_at` is set once the live feed and notifications have it."""

    __tablename__ = "budget_crossings"
    __table_args__ = (
        Index(
            "ix_budget_crossings_unannounced",
            "crossed_at",
            postgresql_where=text("announced_at IS NULL"),
        ),
    )

    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True
    )
    period: Mapped[str] = mapped_column(String(5), primary_key=True)
    period_start: Mapped[date] = mapped_column(Date, primary_key=True)
    threshold: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    amount: Mapped[Decimal] = mapped_column(Numeric, primary_key=True)
    currency: Mapped[str] = mapped_column(String(3), primary_key=True)
    spent: Mapped[Decimal] = mapped_column(Numeric)
    crossed_at: Mapped[datetime] = mapped_column(Timestamp, server_default=func.now())
    announced_at: Mapped[datetime | None] = mapped_column(Timestamp)


class SweepLease(Base):
    """When each periodic sweep last started: a worker runs a sweep only after claiming its
    row, so the sweep runs once per interval however many workers there are."""

    __tablename__ = "sweep_leases"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    started_at: Mapped[datetime] = mapped_column(Timestamp)

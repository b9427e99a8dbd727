import os
import socket
from functools import lru_cache
from typing import Self

from pydantic import Field, RedisDsn, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from tracker_contracts import EVENTS_STREAM, GATEWAY_IDENTITY_SWITCH, QUERY_GROUP


def _default_consumer_name() -> str:
    return f"{socket.gethostname()}-{os.getpid()}"


class QuerySettings(BaseSettings):
    """Query service configuration, read from the environment and `.env`."""

    # A URL that does not parse is reported without its value: it may hold a password.
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", hide_input_in_errors=True)

    database_url: str = Field(
        default="postgresql+asyncpg://postgres@127.0.0.1:5442/tracker",
        description="SQLAlchemy URL of the PostgreSQL database (asyncpg driver).",
    )
    # Connections each process may hold, per pool: an API process at most API_READ_POOL_SIZE +
    # API_READ_POOL_OVERFLOW + API_WRITE_POOL_SIZE + API_WRITE_POOL_OVERFLOW (15), a worker
    # CONSUMER_POOL_SIZE (2, in db.py) + SWEEP_POOL_SIZE (4).
    api_read_pool_size: int = Field(
        default=5,
        ge=1,
        le=100,
        description="API: connections kept open for reads (and `/db-check`).",
    )
    api_read_pool_overflow: int = Field(
        default=5,
        ge=0,
        le=100,
        description="API: more connections for reads opened under load, closed when returned.",
    )
    api_write_pool_size: int = Field(
        default=2,
        ge=1,
        le=100,
        description="API: connections kept open for changes (project settings, archive, delete).",
    )
    api_write_pool_overflow: int = Field(
        default=3, ge=0, le=100, description="API: more connections for changes under load."
    )
    sweep_pool_size: int = Field(
        default=2,
        ge=1,
        le=100,
        description="Worker: connections for the sweeps (one at a time) and its readiness check.",
    )
    require_gateway_identity: bool = Field(default=True, description=GATEWAY_IDENTITY_SWITCH)
    redis_url: RedisDsn = Field(default=RedisDsn("redis://127.0.0.1:6390/0"))
    events_stream: str = EVENTS_STREAM
    consumer_group: str = QUERY_GROUP
    consumer_name: str = Field(default_factory=_default_consumer_name)
    apply_batch_size: int = Field(
        default=2000,
        ge=1,
        le=10_000,
        description="Most entries read and applied in one transaction. Larger batches spread "
        "each transaction's round trips over more events; up to two batches are in flight, "
        "and are taken over one entry at a time if the consumer dies.",
    )
    apply_linger_ms: int = Field(
        default=50,
        ge=0,
        le=1000,
        description="After reading a batch smaller than APPLY_BATCH_SIZE, wait this long before "
        "the next read, so that under a steady trickle events are applied in fewer, larger "
        "transactions; they reach the API at most this much later.",
    )
    stream_retention_seconds: float = Field(
        default=600,
        ge=0,
        description="Applied entries younger than this stay in the stream for reconnecting "
        "live clients; older applied entries are trimmed.",
    )
    maintenance_interval_seconds: float = Field(default=2.0, gt=0)
    stale_after_seconds: int = Field(
        default=1800,
        ge=10,
        description="An active task without news this long becomes stale (projects may differ).",
    )
    event_retention_days: int | None = Field(
        default=None, ge=1, description="Prune history events older than this; keep all if unset."
    )
    sweep_interval_seconds: float = Field(
        default=10, gt=0, description="How often stale tasks are marked and history is pruned."
    )
    budget_check_interval_seconds: float = Field(
        default=5,
        gt=0,
        description="How often the projects' spending is compared with their budgets.",
    )
    claim_idle_ms: int = Field(
        default=10_000,
        ge=1000,
        description="Entries pending longer than this are taken over from a stalled consumer.",
    )
    dead_consumer_idle_seconds: float = Field(
        default=3600,
        gt=0,
        description="A consumer of the group that has had nothing delivered or claimed this "
        "long, that no living worker marks alive and that holds no pending entries (taken over "
        "after CLAIM_IDLE_MS) is removed from the group. Well above CLAIM_IDLE_MS.",
    )

    @model_validator(mode="after")
    def _removal_waits_for_claims(self) -> Self:
        """Removal must wait until a dead consumer's entries can be taken over, and the living
        must be able to mark themselves alive in time."""
        shortest = max(self.claim_idle_ms / 1000, 2 * self.maintenance_interval_seconds)
        if self.dead_consumer_idle_seconds <= shortest:
            raise ValueError(
                f"dead_consumer_idle_seconds must be above {shortest:g} (CLAIM_IDLE_MS and twice "
                "MAINTENANCE_INTERVAL_SECONDS)"
            )
        return self


@lru_cache
def get_settings() -> QuerySettings:
    return QuerySettings()

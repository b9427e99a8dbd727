import os
import socket
import uuid
from functools import lru_cache

from pydantic import Field, RedisDsn
from pydantic_settings import BaseSettings, SettingsConfigDict

from tracker_contracts import EVENTS_STREAM, GATEWAY_IDENTITY_SWITCH


def _default_replica_id() -> str:
    return f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"


class RealtimeSettings(BaseSettings):
    """Realtime service configuration, read from the environment and `.env`."""

    # A URL that does not parse is reported without its value: it may hold a password.
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", hide_input_in_errors=True)

    redis_url: RedisDsn = Field(default=RedisDsn("redis://127.0.0.1:6390/0"))
    require_gateway_identity: bool = Field(default=True, description=GATEWAY_IDENTITY_SWITCH)
    events_stream: str = EVENTS_STREAM
    replica_id: str = Field(default_factory=_default_replica_id)
    client_queue_size: int = Field(
        default=1000, ge=1, description="Messages queued for one client before it is dropped."
    )
    client_send_timeout_seconds: float = Field(
        default=10.0, gt=0, description="A client that takes longer to accept a message is dropped."
    )
    replay_max_events: int = Field(
        default=10_000,
        ge=0,
        description="A resuming client that missed more events is told to reload instead.",
    )
    replay_max_scanned: int = Field(
        default=20_000,
        ge=0,
        description="Stream entries read at most for one resume, beyond what the index holds.",
    )
    replay_index_max_entries: int = Field(
        default=1_000_000,
        ge=0,
        description="Recent stream entries indexed by project for resumes (25 bytes each).",
    )
    max_connections_per_key: int = Field(
        default=100,
        ge=1,
        description="WebSocket connections one API key may hold open across all replicas.",
    )
    heartbeat_seconds: float = Field(
        default=15.0, gt=0, description="How often each client gets a heartbeat message."
    )
    connection_report_seconds: float = Field(
        default=5.0, gt=0, description="How often this replica refreshes its counts in Redis."
    )

    @property
    def connection_report_ttl_seconds(self) -> int:
        """Counts of a replica that stopped reporting vanish after three missed reports."""
        return max(int(self.connection_report_seconds * 3), 1)


@lru_cache
def get_settings() -> RealtimeSettings:
    return RealtimeSettings()

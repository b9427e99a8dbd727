from functools import lru_cache

from pydantic import Field, RedisDsn
from pydantic_settings import BaseSettings, SettingsConfigDict

from tracker_contracts import EVENTS_STREAM


class IngestSettings(BaseSettings):
    """Ingest configuration, read from the environment and `.env`."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    redis_url: RedisDsn = Field(default=RedisDsn("redis://127.0.0.1:6390/0"))
    events_stream: str = EVENTS_STREAM
    stream_max_length: int = Field(
        default=1_000_000,
        ge=1,
        description="Above this many entries in the stream, webhooks are refused with 503 "
        "until the consumer catches up; nothing is ever trimmed before it is applied.",
    )
    stream_length_refresh_seconds: float = Field(default=0.25, gt=0)
    idempotency_ttl_seconds: int = Field(
        default=24 * 3600, ge=60, description="How long a retry is recognised by its key."
    )
    idempotency_pending_seconds: int = Field(
        default=10, ge=1, description="How long a key stays in flight if its request died."
    )
    redis_timeout_seconds: float = Field(
        default=1.0, gt=0, description="Longest wait for Redis before answering 503."
    )
    retry_after_seconds: int = Field(
        default=2, ge=1, description="Retry-After sent with 503 when Redis is unavailable."
    )


@lru_cache
def get_settings() -> IngestSettings:
    return IngestSettings()

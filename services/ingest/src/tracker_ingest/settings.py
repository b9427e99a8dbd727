from functools import lru_cache
from typing import Self

from pydantic import Field, RedisDsn, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from tracker_contracts import EVENTS_STREAM, GATEWAY_IDENTITY_SWITCH


class IngestSettings(BaseSettings):
    """Ingest configuration, read from the environment and `.env`."""

    # A URL that does not parse is reported without its value: it may hold a password.
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", hide_input_in_errors=True)

    redis_url: RedisDsn = Field(default=RedisDsn("redis://127.0.0.1:6390/0"))
    require_gateway_identity: bool = Field(default=True, description=GATEWAY_IDENTITY_SWITCH)
    events_stream: str = EVENTS_STREAM
    stream_max_length: int = Field(
        default=1_000_000,
        ge=1,
        description="Above this many events waiting to be applied (the consumer group's "
        "pending and undelivered entries; applied ones kept for replay do not count), webhooks "
        "are refused with 503 until the consumer catches up; nothing is trimmed unapplied.",
    )
    batch_max_events: int = Field(
        default=1000, ge=1, description="Most events in one `POST /webhook/batch`; more is 413."
    )
    write_queue_limit: int = Field(
        default=20_000,
        ge=1,
        description="Most events waiting in this process for the next write to Redis; "
        "above it webhooks are refused with 503. At least `batch_max_events`.",
    )
    idempotency_ttl_seconds: int = Field(
        default=3600,
        ge=60,
        description="How long a retry is recognised by its key (and answered like the first "
        "request). Each event with an `event_id` or `Idempotency-Key` costs Redis about 100 "
        "bytes for this long; a later retry is stored again and applied once by its event id.",
    )
    redis_timeout_seconds: float = Field(
        default=1.0, gt=0, description="Longest wait for Redis before answering 503."
    )
    retry_after_seconds: int = Field(
        default=2, ge=1, description="Retry-After sent with 503 when Redis is unavailable."
    )

    otlp_max_body_bytes: int = Field(
        default=10 * 1024 * 1024,
        ge=1,
        description="Largest OTLP export body as sent (gzip-compressed or not); more is 413.",
    )
    otlp_max_decompressed_bytes: int = Field(
        default=64 * 1024 * 1024,
        ge=1,
        description="Largest size a gzip-compressed OTLP export may inflate to; more is 413.",
    )
    otlp_max_records: int = Field(
        default=10_000,
        ge=1,
        description="Most log records, data points or spans in one OTLP export; more is 413. "
        "`WRITE_QUEUE_LIMIT` when that is lower (a larger export could never be written).",
    )
    otlp_usage_source_ttl_seconds: int = Field(
        default=7 * 24 * 3600,
        ge=60,
        description="How long a task's usage source (OTLP logs, metrics or traces, the first "
        "that brought usage) is kept after its last usage; usage from the others is ignored.",
    )

    @property
    def otlp_records_limit(self) -> int:
        """The most records one OTLP export may hold here."""
        return min(self.otlp_max_records, self.write_queue_limit)

    @model_validator(mode="after")
    def _a_full_batch_fits_the_queue(self) -> Self:
        if self.write_queue_limit < self.batch_max_events:
            raise ValueError("WRITE_QUEUE_LIMIT must be at least BATCH_MAX_EVENTS")
        return self


@lru_cache
def get_settings() -> IngestSettings:
    return IngestSettings()

"""The notify service's configuration, read from the environment and `.env`.

Settings shared with the other services keep their common names (`DATABASE_URL`, `REDIS_URL`,
`EVENTS_STREAM`, `REQUIRE_GATEWAY_IDENTITY`, `DASHBOARD_URL`, `SMTP_*`); the service's own are
prefixed `NOTIFY_`.
"""

import os
import socket
from functools import lru_cache

from pydantic import Field, RedisDsn, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from tracker_contracts import EVENTS_STREAM, GATEWAY_IDENTITY_SWITCH

NOTIFY_GROUP = "notify"
"""The consumer group in which the notify service reads the events and the notices."""


def _default_consumer_name() -> str:
    return f"{socket.gethostname()}-{os.getpid()}"


class NotifySettings(BaseSettings):
    # A URL that does not parse is reported without its value: it may hold a password.
    model_config = SettingsConfigDict(
        env_file=".env",
        extra="ignore",
        env_prefix="NOTIFY_",
        hide_input_in_errors=True,
        populate_by_name=True,
    )

    database_url: str = Field(
        default="postgresql+asyncpg://postgres@127.0.0.1:5442/tracker",
        validation_alias="DATABASE_URL",
        description="SQLAlchemy URL of the PostgreSQL database (asyncpg driver); the service "
        "keeps its tables in the schema `notify`.",
    )
    redis_url: RedisDsn = Field(
        default=RedisDsn("redis://127.0.0.1:6390/0"), validation_alias="REDIS_URL"
    )
    events_stream: str = Field(default=EVENTS_STREAM, validation_alias="EVENTS_STREAM")
    require_gateway_identity: bool = Field(
        default=True,
        validation_alias="REQUIRE_GATEWAY_IDENTITY",
        description=GATEWAY_IDENTITY_SWITCH,
    )
    dashboard_url: str | None = Field(
        default=None,
        validation_alias="DASHBOARD_URL",
        description="Public address of the dashboard; notifications link to the task there.",
    )

    smtp_host: str | None = Field(
        default=None, validation_alias="SMTP_HOST", description="Unset: email channels fail."
    )
    smtp_port: int = Field(default=587, ge=1, le=65535, validation_alias="SMTP_PORT")
    smtp_username: str | None = Field(default=None, validation_alias="SMTP_USERNAME")
    smtp_password: SecretStr | None = Field(default=None, validation_alias="SMTP_PASSWORD")
    smtp_starttls: bool = Field(default=True, validation_alias="SMTP_STARTTLS")
    smtp_from: str = Field(default="tracker@localhost", validation_alias="SMTP_FROM")

    consumer_group: str = NOTIFY_GROUP
    consumer_name: str = Field(default_factory=_default_consumer_name)
    pool_size: int = Field(default=5, ge=2, le=100, description="PostgreSQL connections.")
    claim_idle_ms: int = Field(
        default=30_000,
        ge=1000,
        description="Stream entries pending this long with another consumer are taken over.",
    )
    poll_seconds: float = Field(
        default=1.0, gt=0, description="How often the deliverer and the due loop look for work."
    )
    delivery_timeout_seconds: float = Field(
        default=10.0, gt=0, le=60, description="Longest wait for one receiver's answer."
    )
    channel_concurrency: int = Field(
        default=4, ge=1, le=64, description="Most deliveries in flight to one channel per process."
    )
    lease_seconds: float = Field(
        default=60.0,
        gt=0,
        description="A claimed delivery not finished this long (its process died) is claimed "
        "again; above NOTIFY_DELIVERY_TIMEOUT_SECONDS.",
    )
    retry_delays_seconds: list[float] = Field(
        default=[10, 30, 120, 600, 1800, 3600],
        min_length=1,
        description="Waits between attempts; the last repeats until NOTIFY_GIVE_UP_AFTER_SECONDS.",
    )
    give_up_after_seconds: float = Field(
        default=24 * 3600,
        gt=0,
        description="A delivery still failing this long after it was created is given up (failed).",
    )
    debounce_limit: int = Field(
        default=10,
        ge=1,
        description="Most messages per channel and rule kind in one debounce window; further "
        "incidents are folded into one digest sent when the window ends.",
    )
    debounce_window_seconds: int = Field(default=600, ge=10)


@lru_cache
def get_settings() -> NotifySettings:
    return NotifySettings()

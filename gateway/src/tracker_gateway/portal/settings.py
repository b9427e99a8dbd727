from functools import lru_cache

from pydantic import AnyHttpUrl, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class PortalSettings(BaseSettings):
    """Where the portal finds each service (one replica of each is enough), from the environment."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", env_prefix="PORTAL_")

    ingest_url: AnyHttpUrl = Field(default=AnyHttpUrl("http://127.0.0.1:8001"))
    query_url: AnyHttpUrl = Field(default=AnyHttpUrl("http://127.0.0.1:8002"))
    realtime_url: AnyHttpUrl = Field(default=AnyHttpUrl("http://127.0.0.1:8003"))
    query_worker_url: AnyHttpUrl = Field(default=AnyHttpUrl("http://127.0.0.1:8007"))
    check_timeout_seconds: float = Field(default=2.0, gt=0)
    health_cache_seconds: float = Field(
        default=1.0,
        ge=0,
        description=(
            "How long one round of /health checks answers every caller; callers while a round "
            "runs share it too."
        ),
    )

    def service_urls(self) -> dict[str, str]:
        return {
            "ingest": str(self.ingest_url).rstrip("/"),
            "query": str(self.query_url).rstrip("/"),
            "realtime": str(self.realtime_url).rstrip("/"),
            "query-worker": str(self.query_worker_url).rstrip("/"),
        }


@lru_cache
def get_portal_settings() -> PortalSettings:
    return PortalSettings()

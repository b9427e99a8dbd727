from functools import lru_cache

from pydantic import AnyHttpUrl, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class PortalSettings(BaseSettings):
    """Where the portal finds each service (one replica of each is enough), from the environment."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", env_prefix="PORTAL_")

    ingest_url: AnyHttpUrl = Field(default=AnyHttpUrl("http://127.0.0.1:8001"))
    query_url: AnyHttpUrl = Field(default=AnyHttpUrl("http://127.0.0.1:8002"))
    realtime_url: AnyHttpUrl = Field(default=AnyHttpUrl("http://127.0.0.1:8003"))
    check_timeout_seconds: float = Field(default=2.0, gt=0)

    def service_urls(self) -> dict[str, str]:
        return {
            "ingest": str(self.ingest_url).rstrip("/"),
            "query": str(self.query_url).rstrip("/"),
            "realtime": str(self.realtime_url).rstrip("/"),
        }


@lru_cache
def get_portal_settings() -> PortalSettings:
    return PortalSettings()

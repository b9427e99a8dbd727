from functools import lru_cache
from typing import Annotated, Any

from pydantic import AnyHttpUrl, Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

# One URL, or every replica's, comma-separated.
ReplicaUrls = Annotated[list[AnyHttpUrl], NoDecode, Field(min_length=1)]


class PortalSettings(BaseSettings):
    """Where the portal finds each service's replicas, from the environment.

    `/health` checks every URL given; a URL that several replicas answer behind one name (a
    compose service name, a Kubernetes Service) counts as one replica.
    """

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", env_prefix="PORTAL_")

    ingest_url: ReplicaUrls = [AnyHttpUrl("http://127.0.0.1:8001")]
    query_url: ReplicaUrls = [AnyHttpUrl("http://127.0.0.1:8002")]
    realtime_url: ReplicaUrls = [AnyHttpUrl("http://127.0.0.1:8003")]
    query_worker_url: ReplicaUrls = [AnyHttpUrl("http://127.0.0.1:8007")]
    notify_url: ReplicaUrls = [AnyHttpUrl("http://127.0.0.1:8008")]
    check_timeout_seconds: float = Field(default=2.0, gt=0)
    health_cache_seconds: float = Field(
        default=1.0,
        ge=0,
        description=(
            "How long one round of /health checks answers every caller; callers while a round "
            "runs share it too."
        ),
    )

    @field_validator(
        "ingest_url", "query_url", "realtime_url", "query_worker_url", "notify_url", mode="before"
    )
    @classmethod
    def _comma_separated(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [url.strip() for url in value.split(",") if url.strip()]
        return value

    def service_urls(self) -> dict[str, list[str]]:
        """Every replica's URL, by service, without a trailing slash."""
        return {
            "ingest": _plain(self.ingest_url),
            "query": _plain(self.query_url),
            "realtime": _plain(self.realtime_url),
            "query-worker": _plain(self.query_worker_url),
            "notify": _plain(self.notify_url),
        }


def _plain(urls: list[AnyHttpUrl]) -> list[str]:
    return [str(url).rstrip("/") for url in urls]


@lru_cache
def get_portal_settings() -> PortalSettings:
    return PortalSettings()

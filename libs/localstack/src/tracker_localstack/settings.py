from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from .redis import DEFAULT_MAXMEMORY


class LocalSettings(BaseSettings):
    """How `make run` runs the system on one machine, read from the environment and `.env`.

    Without DATABASE_URL / REDIS_URL it starts embedded servers with data under `data_dir`.
    """

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    database_url: str | None = None
    redis_url: str | None = None
    data_dir: Path = Field(default=Path(".data"), alias="LOCAL_DATA_DIR")
    embedded_postgres_port: int = 5442
    embedded_redis_port: int = 6390
    redis_appendfsync: str = Field(default="always", pattern="^(always|everysec|no)$")
    redis_maxmemory: str = Field(
        default=DEFAULT_MAXMEMORY, pattern=r"^\d+([kKmMgG][bB]?|[bB])?$"
    )  # the embedded Redis refuses writes above it (noeviction)
    gateway_host: str = "127.0.0.1"
    gateway_port: int = 8000
    ingest_port: int = 8001
    query_port: int = 8002
    realtime_port: int = 8003
    portal_port: int = 8005
    web_port: int = 8006
    query_worker_port: int = 8007
    notify_port: int = 8008
    ingest_replicas: int = Field(default=1, ge=1, le=9)
    query_replicas: int = Field(default=1, ge=1, le=9)
    query_worker_replicas: int = Field(default=1, ge=1, le=9)
    realtime_replicas: int = Field(default=1, ge=1, le=9)
    notify_replicas: int = Field(default=1, ge=1, le=9)
    api_key: SecretStr | None = None
    api_keys: SecretStr | None = None

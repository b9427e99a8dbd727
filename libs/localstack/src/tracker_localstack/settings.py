from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


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
    ingest_port: int = 8001
    query_port: int = 8002
    realtime_port: int = 8003

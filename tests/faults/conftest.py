"""A whole system per test, on servers of its own, so each fault breaks nothing else."""

import os
import signal
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import psutil
import pytest

from tracker_localstack.databases import ensure_database, plain_dsn
from tracker_localstack.ports import free_port
from tracker_localstack.postgres import EmbeddedPostgres
from tracker_localstack.processes import Service
from tracker_localstack.redis import EmbeddedRedis
from tracker_query.migrate import upgrade_to_head

STREAM = "agent-tracker:events"


@dataclass
class System:
    postgres: EmbeddedPostgres
    redis: EmbeddedRedis
    database_url: str
    logs: Path
    services: list[Service] = field(default_factory=list)

    @property
    def env(self) -> dict[str, str]:
        return {
            # The faults are driven straight at the services, with no gateway in front.
            "REQUIRE_GATEWAY_IDENTITY": "false",
            "DATABASE_URL": self.database_url,
            "REDIS_URL": self.redis.url,
            "EVENTS_STREAM": STREAM,
            "CLAIM_IDLE_MS": "2000",
            "MAINTENANCE_INTERVAL_SECONDS": "0.5",
            "CONNECTION_REPORT_SECONDS": "1",
        }

    async def admin(self, *statements: str, database: str = "tracker") -> None:
        """Run statements as the superuser, each on its own, in `database`."""
        connection = await asyncpg.connect(plain_dsn(self.postgres.admin_url(database)))
        try:
            for statement in statements:
                await connection.execute(statement)
        finally:
            await connection.close()

    def freeze_postgres(self, frozen: bool) -> None:
        """SIGSTOP (or SIGCONT) the server and every backend: it accepts connections and
        answers nothing, as a hung host does."""
        server = psutil.Process(self.postgres.pid)
        for process in [server, *server.children(recursive=True)]:
            os.kill(process.pid, signal.SIGSTOP if frozen else signal.SIGCONT)

    def start(self, module: str, name: str, **env: str) -> Service:
        return self._start(Service(module, self.env | env, log=self.logs / f"{name}.log"))

    def start_worker(self, name: str, **env: str) -> Service:
        """A query worker: the process that applies the stream to the database."""
        log = self.logs / f"{name}.log"
        return self._start(
            Service("tracker_query", self.env | env, log=log, factory="worker:create_app")
        )

    def _start(self, service: Service) -> Service:
        self.services.append(service)  # stopped at the end even if it never answers
        return service.start()


@pytest.fixture
def system(tmp_path: Path) -> Iterator[System]:
    postgres = EmbeddedPostgres(tmp_path / "postgres", free_port()).start()
    redis = EmbeddedRedis(tmp_path / "redis", free_port()).start()
    database_url = ensure_database(postgres.admin_url(), "tracker")
    upgrade_to_head(database_url)
    logs = tmp_path / "logs"
    logs.mkdir()
    system = System(postgres, redis, database_url, logs)
    try:
        yield system
    finally:
        for service in system.services:
            service.thaw_and_stop()
        redis.stop()
        postgres.stop()

"""The system under test, started the way `make run` starts it, on servers of its own.

Embedded PostgreSQL and Redis (append-only file, fsync on every write), the three services (the
query service as its API and its worker) and the real Traefik with the gateway's own routes and
key check. Each process runs on its own so that a benchmark can measure, stop or kill it alone.
With `dashboard`, the built dashboard (web/dist) is served behind the gateway's `/` route too,
as `make run` serves it.
"""

import os
import secrets
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from tracker_contracts import KEY_NAME_HEADER, KEY_SCOPE_HEADER
from tracker_localstack import traefik
from tracker_localstack.databases import ensure_database
from tracker_localstack.ports import free_port
from tracker_localstack.postgres import EmbeddedPostgres
from tracker_localstack.processes import Service
from tracker_localstack.readiness import wait_until_routed
from tracker_localstack.redis import EmbeddedRedis
from tracker_query.migrate import upgrade_to_head

STREAM = "agent-tracker:events"
BEHIND_THE_GATEWAY = ("/db-check", "/redis-check", "/feed-check")
APPS = {
    "ingest": ("tracker_ingest", "app:create_app"),
    "query": ("tracker_query", "app:create_app"),
    "query-worker": ("tracker_query", "worker:create_app"),
    "realtime": ("tracker_realtime", "app:create_app"),
}
# The dashboard's static files, under the name the gateway's `dashboard` route sends them to.
DASHBOARD = "web"
DASHBOARD_APP = ("tracker_gateway", "dashboard:create_app")
DASHBOARD_DIST = Path(__file__).resolve().parents[1] / "web" / "dist"
# Seconds a service may take to answer /health: on a busy machine imports alone take many.
STARTUP_SECONDS = 120


@dataclass
class System:
    root: Path
    postgres: EmbeddedPostgres
    redis: EmbeddedRedis
    database_url: str
    api_key: str
    services: dict[str, Service] = field(default_factory=dict)
    gateway_url: str = ""
    _gateway: subprocess.Popen[bytes] | None = None

    @property
    def env(self) -> dict[str, str]:
        return {
            "DATABASE_URL": self.database_url,
            "REDIS_URL": self.redis.url,
            "EVENTS_STREAM": STREAM,
            "API_KEYS": f"bench:admin:{self.api_key}",
            # The gateway's per-key limit would cap every load test at its default 1,000/s.
            "RATE_LIMIT_AVERAGE": "1000000",
            "RATE_LIMIT_BURST": "1000000",
            # Thousands of dashboards follow the feed with the one benchmark key.
            "MAX_CONNECTIONS_PER_KEY": "100000",
            "DASHBOARD_DIST_DIR": str(DASHBOARD_DIST),
        }

    @property
    def headers(self) -> dict[str, str]:
        return {"X-API-Key": self.api_key}

    @property
    def identity(self) -> dict[str, str]:
        """What the gateway adds for the benchmark's key: for requests straight to a service."""
        return {KEY_NAME_HEADER: "bench", KEY_SCOPE_HEADER: "admin"}

    @property
    def ws_url(self) -> str:
        return self.gateway_url.replace("http://", "ws://", 1)

    def start(self, name: str) -> Service:
        """Start one service (again, if it ran before)."""
        service = self.services.get(name)
        if service is None:
            module, factory = DASHBOARD_APP if name == DASHBOARD else APPS[name]
            log = self.root / "logs" / f"{name}.log"
            service = Service(module, self.env, log=log, factory=factory)
            self.services[name] = service
        return service.start(STARTUP_SECONDS)

    def start_gateway(self) -> None:
        port = free_port()
        urls = {name: [service.url] for name, service in self.services.items()}
        run_dir = self.root / "gateway"
        config = traefik.write_config(
            run_dir, f"127.0.0.1:{port}", urls, self.root / "logs" / "traefik-access.log"
        )
        env = {**os.environ, **self.env, "TRACKER_SERVICE_PROVIDER": "file"}
        keys = [sys.executable, "-m", "tracker_gateway.keysync", str(traefik.keys_file(run_dir))]
        subprocess.run(keys, env=env, check=True)
        log = (self.root / "logs" / "traefik.log").open("ab")
        self._gateway = subprocess.Popen(
            traefik.command(config),
            env=env,
            cwd=traefik.WORKING_DIR,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.gateway_url = f"http://127.0.0.1:{port}"
        # No portal here: its /health is the one route not waited for.
        paths = BEHIND_THE_GATEWAY + (("/",) if DASHBOARD in self.services else ())
        if not wait_until_routed(self.gateway_url, paths=paths):
            raise TimeoutError("the gateway never routed to every service")

    def processes(self) -> dict[str, psutil.Process]:
        """Every process of the system that burns CPU, by name."""
        found = {name: psutil.Process(s.pid) for name, s in self.services.items() if s.is_running}
        if self._gateway is not None:
            found["traefik"] = psutil.Process(self._gateway.pid)
        found["postgres"] = psutil.Process(self.postgres.pid)
        assert self.redis.pid is not None
        found["redis"] = psutil.Process(self.redis.pid)
        return found

    def stop(self) -> None:
        if self._gateway is not None:
            self._gateway.terminate()
            self._gateway.wait(timeout=30)
        for service in self.services.values():
            service.thaw_and_stop()
        self.redis.stop()
        self.postgres.stop()
        shutil.rmtree(self.root, ignore_errors=True)


def start_system(
    *, services: tuple[str, ...] = tuple(APPS), gateway: bool = True, dashboard: bool = False
) -> System:
    if dashboard and not (DASHBOARD_DIST / "index.html").is_file():
        raise RuntimeError(f"{DASHBOARD_DIST} is not built: `make web` builds it")
    root = Path(tempfile.mkdtemp(prefix="tracker-bench-"))
    (root / "logs").mkdir()
    postgres = EmbeddedPostgres(root / "postgres", free_port()).start()
    redis = EmbeddedRedis(root / "redis", free_port()).start()
    database_url = ensure_database(postgres.admin_url(), "tracker")
    upgrade_to_head(database_url)
    system = System(root, postgres, redis, database_url, secrets.token_urlsafe(24))
    try:
        for name in services + ((DASHBOARD,) if dashboard else ()):
            system.start(name)
        if gateway:
            system.start_gateway()
    except BaseException:
        system.stop()
        raise
    return system

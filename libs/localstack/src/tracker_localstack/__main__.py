"""`tracker-local run`: the whole system on one machine behind the real Traefik; Ctrl-C stops it.

Starts embedded PostgreSQL and Redis unless DATABASE_URL / REDIS_URL are set, migrates the
database, then runs every service (with the configured number of replicas), the portal, the
dashboard's static files, the process that keeps the gateway's API keys current and Traefik
under one supervisor, which starts again any of them that dies (see `supervisor`).
"""

import argparse
import os
import secrets
import shutil
import subprocess
import sys
from contextlib import ExitStack
from dataclasses import dataclass
from urllib.parse import urlsplit

from dotenv import dotenv_values

from . import traefik
from .databases import ensure_database
from .ports import WantedPort, busy_ports_message
from .postgres import EmbeddedPostgres, ServerDidNotStart
from .processes import uvicorn_command
from .redis import EmbeddedRedis
from .settings import LocalSettings
from .summary import RunnerPrinter, announce_when_routed, table
from .supervisor import Supervisor

DATABASE_NAME = "tracker"
# Built by `make web` (which `make run` runs first).
DASHBOARD_DIST = traefik.GATEWAY_DIR.parent / "web" / "dist"
REPLICA_PORT_STEP = 100  # replica i of a service listens on its port + 100 * i
# Each schema's migrations, run before any service starts: the query service's tables in
# `public`, the notify service's in `notify`.
MIGRATIONS = ("tracker_query.migrate", "tracker_notify.migrate")


@dataclass(frozen=True)
class Process:
    name: str
    command: list[str]
    url: str


def _uvicorn(name: str, app: str, port: int) -> Process:
    return Process(name, uvicorn_command(app, port), f"http://127.0.0.1:{port}")


def _replicas(name: str, app: str, port: int, count: int) -> list[Process]:
    return [
        _uvicorn(name if count == 1 else f"{name}.{i + 1}", app, port + REPLICA_PORT_STEP * i)
        for i in range(count)
    ]


def plan(settings: LocalSettings) -> dict[str, list[Process]]:
    """Every process to run, by the service it belongs to."""
    return {
        "ingest": _replicas(
            "ingest",
            "tracker_ingest.app:create_app",
            settings.ingest_port,
            settings.ingest_replicas,
        ),
        "query": _replicas(
            "query", "tracker_query.app:create_app", settings.query_port, settings.query_replicas
        ),
        "query-worker": _replicas(
            "query-worker",
            "tracker_query.worker:create_app",
            settings.query_worker_port,
            settings.query_worker_replicas,
        ),
        "realtime": _replicas(
            "realtime",
            "tracker_realtime.app:create_app",
            settings.realtime_port,
            settings.realtime_replicas,
        ),
        "notify": _replicas(
            "notify",
            "tracker_notify.app:create_app",
            settings.notify_port,
            settings.notify_replicas,
        ),
        "portal": [
            _uvicorn("portal", "tracker_gateway.portal.app:create_app", settings.portal_port)
        ],
        "web": [_uvicorn("web", "tracker_gateway.dashboard:create_app", settings.web_port)],
    }


def setting_name(service: str, setting: str) -> str:
    """The name of a service's setting: `query-worker`, `port` → `QUERY_WORKER_PORT`."""
    return f"{service}_{setting}".replace("-", "_").upper()


def _dotenv() -> dict[str, str]:
    """`.env` for every process, Traefik's templates included; the environment wins."""
    return {name: value for name, value in dotenv_values(".env").items() if value is not None}


def _api_key_env(settings: LocalSettings) -> dict[str, str]:
    """Keys for the key check; without any configured, one is generated once and kept."""
    if settings.api_key is not None or settings.api_keys is not None:
        return {}
    key_file = settings.data_dir / "api-key"
    if not key_file.exists():
        key_file.parent.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_urlsafe(32))
        key_file.chmod(0o600)
    return {"API_KEY": key_file.read_text().strip()}


def _key_file_env(settings: LocalSettings, env: dict[str, str]) -> dict[str, str]:
    """API_KEYS_FILE, the keys that may change while everything runs: unless configured,
    `api-keys` in the data folder, started from the commented template on the first run."""
    if env.get("API_KEYS_FILE"):
        return {}
    key_file = settings.data_dir / "api-keys"
    if not key_file.exists():
        key_file.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(traefik.API_KEYS_TEMPLATE, key_file)
    return {"API_KEYS_FILE": str(key_file.resolve())}


def _key_location(settings: LocalSettings) -> str:
    if settings.api_key is None and settings.api_keys is None:
        return f"the generated one in {(settings.data_dir / 'api-key').resolve()}"
    names = [name for name in ("API_KEY", "API_KEYS") if name in os.environ]
    return f"{' / '.join(names)} from the environment" if names else "API_KEY(S) from .env"


def _wanted_ports(settings: LocalSettings, processes: dict[str, list[Process]]) -> list[WantedPort]:
    """Every port the system is about to listen on, with the setting that moves it."""
    wanted = []
    if settings.database_url is None:
        port = settings.embedded_postgres_port
        wanted.append(
            WantedPort("127.0.0.1", port, "embedded PostgreSQL", "EMBEDDED_POSTGRES_PORT")
        )
    if settings.redis_url is None:
        port = settings.embedded_redis_port
        wanted.append(WantedPort("127.0.0.1", port, "embedded Redis", "EMBEDDED_REDIS_PORT"))
    for service, group in processes.items():
        setting = setting_name(service, "port")
        for process in group:
            address = urlsplit(process.url)
            if address.hostname and address.port:
                moved_by = setting if setting.lower() in LocalSettings.model_fields else None
                wanted.append(WantedPort(address.hostname, address.port, process.name, moved_by))
    gateway = WantedPort(settings.gateway_host, settings.gateway_port, "gateway", "GATEWAY_PORT")
    return [*wanted, gateway]


def run(settings: LocalSettings) -> int:
    if busy := busy_ports_message(_wanted_ports(settings, plan(settings))):
        print(busy, file=sys.stderr)
        return 1
    listening: list[tuple[str, str]] = []
    with ExitStack() as servers:
        database_url = settings.database_url
        if database_url is None:
            postgres = EmbeddedPostgres(
                settings.data_dir / "postgres", settings.embedded_postgres_port
            ).start()
            servers.callback(postgres.stop)
            database_url = ensure_database(postgres.admin_url(), DATABASE_NAME)
            print("embedded PostgreSQL started")
            listening.append(
                ("embedded PostgreSQL", f"127.0.0.1:{postgres.port}  data in {postgres.data_dir}")
            )
        redis_url = settings.redis_url
        if redis_url is None:
            redis = EmbeddedRedis(
                settings.data_dir / "redis",
                settings.embedded_redis_port,
                settings.redis_appendfsync,
                settings.redis_maxmemory,
            ).start()
            servers.callback(redis.stop)
            redis_url = redis.url
            print("embedded Redis started")
            listening.append(
                ("embedded Redis", f"127.0.0.1:{redis.port}  data in {redis.data_dir}")
            )

        env = {
            **_dotenv(),
            **os.environ,
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            **_api_key_env(settings),
        }
        env |= _key_file_env(settings, env)
        for migrations in MIGRATIONS:
            subprocess.run([sys.executable, "-m", migrations], env=env, check=True)
        print("database schema is up to date")

        processes = plan(settings)
        urls = {service: [p.url for p in group] for service, group in processes.items()}
        env |= {
            "TRACKER_SERVICE_PROVIDER": "file",
            "DASHBOARD_DIST_DIR": env.get("DASHBOARD_DIST_DIR", str(DASHBOARD_DIST)),
            # Every replica, so that the gateway's /health reports each.
            **{
                f"PORTAL_{setting_name(service, 'url')}": ",".join(group)
                for service, group in urls.items()
            },
        }
        logs = settings.data_dir / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        run_dir = settings.data_dir / "gateway"
        gateway_config = traefik.write_config(
            run_dir,
            f"{settings.gateway_host}:{settings.gateway_port}",
            urls,
            logs / "traefik-access.log",
        )

        keys = [sys.executable, "-m", "tracker_gateway.keysync", str(traefik.keys_file(run_dir))]
        if subprocess.run(keys, env=env).returncode != 0:
            return 2  # the reason is printed: the keys do not validate

        supervisor = Supervisor(printer=RunnerPrinter())
        for group in processes.values():
            for process in group:
                supervisor.add_process(process.name, process.command, env=env)
                listening.append((process.name, process.url))
        supervisor.add_process("keys", [*keys, "--watch"], env=env)
        # Traefik starts once every service it routes to answers its liveness path.
        routed = [
            url + traefik.LIVENESS_PATHS.get(service, "/health")
            for service, group in urls.items()
            for url in group
        ]
        supervisor.add_process(
            "gateway",
            [
                sys.executable,
                "-m",
                "tracker_localstack.when_ready",
                *routed,
                "--",
                *traefik.command(gateway_config),
            ],
            env=env,
            cwd=str(traefik.WORKING_DIR),
        )
        gateway_url = f"http://{settings.gateway_host}:{settings.gateway_port}"
        listening.append(("gateway", gateway_url))
        names = ", ".join(process.name for group in processes.values() for process in group)
        print(f"starting {names}; the gateway once they answer")
        summary = "\n".join(
            [
                "Agent Task Tracker is up:",
                table(listening),
                f"Dashboard: {_browsable(gateway_url)}/  (API key: {_key_location(settings)})",
                "A process that dies is started again; Ctrl-C stops everything.",
            ]
        )
        announce_when_routed(supervisor, gateway_url, summary)
        return supervisor.loop()


def _browsable(url: str) -> str:
    """The URL to open in a browser: a wildcard address becomes localhost."""
    return url.replace("://0.0.0.0:", "://localhost:").replace("://[::]:", "://localhost:")


def main() -> None:
    parser = argparse.ArgumentParser(prog="tracker-local", description=__doc__)
    parser.add_argument("command", choices=["run"])
    parser.parse_args()
    try:
        sys.exit(run(LocalSettings()))
    except ServerDidNotStart as error:
        sys.exit(str(error))


if __name__ == "__main__":
    main()

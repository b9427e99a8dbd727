"""The whole system as `make run` starts it (`tracker-local run`), behind the real Traefik, on
servers, ports, a database and a stream of its own."""

import os
import secrets
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psutil

from tracker_localstack.__main__ import REPLICA_PORT_STEP
from tracker_localstack.databases import drop_database, ensure_database
from tracker_localstack.ports import free_port, free_port_with_room
from tracker_localstack.readiness import wait_until_routed
from tracker_localstack.settings import LocalSettings

SCOPES = {"agent": "ingest", "dashboard": "read", "operator": "admin"}
REPLICATED = tuple(
    name.removesuffix("_replicas").upper()
    for name in LocalSettings.model_fields
    if name.endswith("_replicas")
)
"""The services `make run` runs replicas of (`INGEST_REPLICAS`, ...), as settings name them."""

NOTIFY_PACE = {"NOTIFY_POLL_SECONDS": "0.25", "NOTIFY_RETRY_DELAYS_SECONDS": "[1,2]"}
"""The notify service looks for work four times a second and retries after 1 s, then every 2 s
(shipped: each second, and 10 s, 30 s, ... ): the tests see retries without waiting minutes."""

STARTUP_SECONDS = 240
"""How long the stack may take to become healthy before the tests give up on it."""


@dataclass(frozen=True)
class Stack:
    """The whole system as `make run` starts it, behind the real Traefik."""

    url: str
    ws_url: str
    keys: dict[str, str]
    redis_url: str
    events_stream: str
    database_url: str
    logs: list[Path]
    keys_file: Path
    """API_KEYS_FILE: keys that may change while the stack runs."""
    service_urls: dict[str, str]
    """Each service's own address (its first replica's), behind the gateway."""

    def headers(self, key: str) -> dict[str, str]:
        return {"X-API-Key": self.keys[key]}

    @property
    def output(self) -> Path:
        """What the supervisor and every process printed."""
        return self.logs[0]

    def replica_url(self, service: str, number: int) -> str:
        """Replica `number` (from 1) of `service`, where `make run` places it."""
        port = int(self.service_urls[service].rsplit(":", 1)[1])
        return f"http://127.0.0.1:{port + REPLICA_PORT_STEP * (number - 1)}"

    def replica_process(self, service: str, number: int) -> psutil.Process:
        """The process listening as replica `number` of `service`."""
        port = int(self.replica_url(service, number).rsplit(":", 1)[1])
        for connection in psutil.net_connections(kind="tcp"):
            if connection.status == psutil.CONN_LISTEN and connection.laddr.port == port:
                assert connection.pid is not None
                return psutil.Process(connection.pid)
        raise LookupError(f"nothing listens as {service} replica {number} on port {port}")


@contextmanager
def running_stack(
    postgres_admin_url: str, redis_url: str, data_dir: Path, **settings: str
) -> Iterator[Stack]:
    """Start the stack with `settings` (e.g. INGEST_REPLICAS="2") added to its environment;
    stop it with Ctrl-C (SIGINT) on the way out."""
    database = f"tracker_stack_{uuid.uuid4().hex[:12]}"
    keys = {name: secrets.token_urlsafe(24) for name in SCOPES}
    replicas = max(int(settings.get(f"{name}_REPLICAS", "1")) for name in REPLICATED)
    ports = {name: free_port() for name in ("GATEWAY", "PORTAL", "WEB")}
    # Room for a second realtime replica at least: the shared stack runs two.
    for name in REPLICATED:
        ports[name] = free_port_with_room(max(replicas, 2), REPLICA_PORT_STEP)
    stream = f"test:{uuid.uuid4().hex}:events"
    database_url = ensure_database(postgres_admin_url, database)
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "EVENTS_STREAM": stream,
        "LOCAL_DATA_DIR": str(data_dir),
        "API_KEYS": ",".join(f"{name}:{SCOPES[name]}:{key}" for name, key in keys.items()),
        **{f"{name}_PORT": str(port) for name, port in ports.items()},
        **settings,
    }
    keys_file = data_dir / "api-keys"
    keys_file.write_text("# name:scope:key, one per line\n")
    env["API_KEYS_FILE"] = str(keys_file)
    env.pop("API_KEY", None)
    env.pop("REQUIRE_GATEWAY_IDENTITY", None)  # the services run as shipped: fail closed
    output = data_dir / "stack-output.log"
    with output.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "tracker_localstack", "run"],
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{ports['GATEWAY']}"
    try:
        _wait_until_healthy(url, process, output, passes=2 * max(replicas, 2))
        yield Stack(
            url=url,
            ws_url=f"ws://127.0.0.1:{ports['GATEWAY']}",
            keys=keys,
            redis_url=redis_url,
            events_stream=stream,
            database_url=database_url,
            logs=[output, data_dir / "logs" / "traefik-access.log"],
            keys_file=keys_file,
            service_urls={
                name.lower().replace("_", "-"): f"http://127.0.0.1:{ports[name]}"
                for name in REPLICATED
            },
        )
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=60)
        drop_database(postgres_admin_url, database)


def _wait_until_healthy(
    url: str, process: subprocess.Popen[bytes], output: Path, passes: int
) -> None:
    def still_running() -> None:
        if process.poll() is not None:
            raise RuntimeError(f"the stack exited:\n{_failure_lines(output)}")

    # Every replica, twice. A dozen processes start at once: on two cores busy with other tests
    # that takes minutes, not the default one.
    if not wait_until_routed(
        url, passes=passes, still_running=still_running, seconds=STARTUP_SECONDS
    ):
        raise TimeoutError(f"the stack never became healthy:\n{_failure_lines(output)}")


def _failure_lines(output: Path) -> str:
    lines = output.read_text().splitlines()
    telling = [line for line in lines if any(w in line for w in ("rror", "xception", "exited"))]
    return "\n".join([*telling[:40], "...", *lines[-40:]])

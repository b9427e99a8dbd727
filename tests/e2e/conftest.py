"""End-to-end fixtures: the services run as real processes on real sockets."""

import os
import secrets
import signal
import socket
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tracker_localstack.__main__ import REPLICA_PORT_STEP
from tracker_localstack.databases import drop_database, ensure_database
from tracker_localstack.ports import free_port
from tracker_localstack.processes import Service
from tracker_localstack.readiness import wait_until_routed

STARTUP_SECONDS = 240
"""How long the stack may take to become healthy before the tests give up on it."""


@pytest.fixture
def service_env(empty_database_url: str, redis_url: str, events_stream: str) -> dict[str, str]:
    return {
        # These services are called straight, with no gateway in front.
        "REQUIRE_GATEWAY_IDENTITY": "false",
        "DATABASE_URL": empty_database_url,
        "REDIS_URL": redis_url,
        "EVENTS_STREAM": events_stream,
    }


@pytest.fixture
def ingest(service_env: dict[str, str]) -> Iterator[Service]:
    service = Service("tracker_ingest", service_env).start()
    yield service
    service.stop()


@pytest.fixture
def query(service_env: dict[str, str]) -> Iterator[Service]:
    """The query service, not yet started: tests decide when it runs."""
    service = Service("tracker_query", service_env)
    yield service
    service.stop()


@dataclass(frozen=True)
class Stack:
    """The whole system as `make run` starts it, behind the real Traefik."""

    url: str
    ws_url: str
    keys: dict[str, str]
    redis_url: str
    events_stream: str
    logs: list[Path]
    keys_file: Path
    """API_KEYS_FILE: keys that may change while the stack runs."""
    service_urls: dict[str, str]
    """Each service's own address, behind the gateway."""

    def headers(self, key: str) -> dict[str, str]:
        return {"X-API-Key": self.keys[key]}


@pytest.fixture(scope="session")
def stack(
    postgres_admin_url: str, redis_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    data_dir = tmp_path_factory.mktemp("stack")
    database = f"tracker_stack_{uuid.uuid4().hex[:12]}"
    scopes = {"agent": "ingest", "dashboard": "read", "operator": "admin"}
    keys = {name: secrets.token_urlsafe(24) for name in scopes}
    ports = {name: free_port() for name in ("GATEWAY", "INGEST", "QUERY", "PORTAL", "WEB")}
    ports["REALTIME"] = _port_with_a_free_neighbour(REPLICA_PORT_STEP)
    stream = f"test:{uuid.uuid4().hex}:events"
    env = {
        **os.environ,
        "DATABASE_URL": ensure_database(postgres_admin_url, database),
        "REDIS_URL": redis_url,
        "EVENTS_STREAM": stream,
        "LOCAL_DATA_DIR": str(data_dir),
        "API_KEYS": ",".join(f"{name}:{scopes[name]}:{key}" for name, key in keys.items()),
        "REALTIME_REPLICAS": "2",
        **{f"{name}_PORT": str(port) for name, port in ports.items()},
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
        _wait_until_healthy(url, process, output)
        yield Stack(
            url=url,
            ws_url=f"ws://127.0.0.1:{ports['GATEWAY']}",
            keys=keys,
            redis_url=redis_url,
            events_stream=stream,
            logs=[output, data_dir / "logs" / "traefik-access.log"],
            keys_file=keys_file,
            service_urls={
                name.lower(): f"http://127.0.0.1:{ports[name]}"
                for name in ("INGEST", "QUERY", "REALTIME")
            },
        )
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=60)
        drop_database(postgres_admin_url, database)


def _port_with_a_free_neighbour(step: int) -> int:
    """A free port whose `port + step` is free too (the second realtime replica's)."""
    while True:
        port = free_port()
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port + step))
            except OSError:
                continue
        return port


def _wait_until_healthy(url: str, process: subprocess.Popen[bytes], output: Path) -> None:
    def still_running() -> None:
        if process.poll() is not None:
            raise RuntimeError(f"the stack exited:\n{_failure_lines(output)}")

    # Four passes: both realtime replicas, twice. A dozen processes start at once: on two cores
    # busy with other tests that takes minutes, not the default one.
    if not wait_until_routed(url, passes=4, seconds=STARTUP_SECONDS, still_running=still_running):
        raise TimeoutError(f"the stack never became healthy:\n{_failure_lines(output)}")


def _failure_lines(output: Path) -> str:
    lines = output.read_text().splitlines()
    telling = [line for line in lines if any(w in line for w in ("rror", "xception", "exited"))]
    return "\n".join([*telling[:40], "...", *lines[-40:]])

"""End-to-end fixtures: the services run as real processes on real sockets."""

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import pytest

from tracker_localstack.ports import free_port


class Service:
    """One service under uvicorn, as `make run` starts it."""

    def __init__(self, module: str, env: dict[str, str]) -> None:
        self.module = module
        self.env = env
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> "Service":
        self._process = subprocess.Popen(
            [
                sys.executable, "-m", "uvicorn", f"{self.module}.app:create_app", "--factory",
                "--host", "127.0.0.1", "--port", str(self.port), "--no-access-log",
            ],
            env={**os.environ, **self.env},
        )  # fmt: skip
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"{self.module} exited with {self._process.returncode}")
            try:
                if httpx.get(f"{self.url}/health", timeout=1).status_code == 200:
                    return self
            except httpx.TransportError:
                time.sleep(0.1)
        raise TimeoutError(f"{self.module} did not answer /health")

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.send_signal(signal.SIGTERM)
            self._process.wait(timeout=30)
        self._process = None


@pytest.fixture
def service_env(empty_database_url: str, redis_url: str, events_stream: str) -> dict[str, str]:
    return {
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

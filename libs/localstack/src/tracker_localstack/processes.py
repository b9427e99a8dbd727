"""Services as real processes, with the means to stop, kill, freeze and thaw them."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from .ports import free_port

# What a service needs from its server wherever it runs; its stage's CMD in the Dockerfile says
# the same.
SERVER_OPTIONS: dict[str, list[str]] = {
    "tracker_realtime": [
        "--ws-ping-interval", "20", "--ws-ping-timeout", "20",
        # Compressing every message for every client cost more CPU than sending it.
        "--ws-per-message-deflate", "false",
        "--ws", "tracker_realtime.websocket_protocol:CoalescingWebSocketsProtocol",
    ],
}  # fmt: skip


def uvicorn_command(app: str, port: int) -> list[str]:
    """How `make run` starts the ASGI app factory `app` ("package.module:factory")."""
    package = app.split(".", 1)[0]
    return [
        sys.executable, "-m", "uvicorn", app, "--factory",
        "--host", "127.0.0.1", "--port", str(port), "--no-access-log",
        *SERVER_OPTIONS.get(package, []),
    ]  # fmt: skip


class Service:
    """One service under uvicorn, as `make run` starts it."""

    def __init__(
        self,
        module: str,
        env: dict[str, str],
        log: Path | None = None,
        factory: str = "app:create_app",
    ) -> None:
        self.module = module
        self.factory = factory
        self.env = env
        self.log = log
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 120) -> "Service":
        """Start (again, after a kill or stop) and wait up to `timeout` seconds until it
        answers /health (its imports alone take half a minute on two cores busy with other
        tests)."""
        self._process = subprocess.Popen(
            uvicorn_command(f"{self.module}.{self.factory}", self.port),
            env={**os.environ, **self.env},
            stdout=self.log.open("ab") if self.log else None,
            stderr=subprocess.STDOUT if self.log else None,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"{self.module} exited with {self._process.returncode}")
            try:
                if httpx.get(f"{self.url}/health", timeout=1).status_code == 200:
                    return self
            except httpx.TransportError:
                time.sleep(0.1)
        raise TimeoutError(f"{self.module} did not answer /health")

    @property
    def is_running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    @property
    def pid(self) -> int:
        assert self._process is not None
        return self._process.pid

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.send_signal(signal.SIGTERM)
            self._process.wait(timeout=30)
        self._process = None

    def kill(self) -> None:
        """SIGKILL: no shutdown, no goodbye, exactly like a crash."""
        assert self._process is not None
        self._process.kill()
        self._process.wait(timeout=30)

    def freeze(self) -> None:
        assert self._process is not None
        self._process.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        assert self._process is not None
        self._process.send_signal(signal.SIGCONT)

    def thaw_and_stop(self) -> None:
        """Stop whatever state it is in: running, frozen or already gone."""
        if self._process is not None and self._process.poll() is None:
            self._process.send_signal(signal.SIGCONT)
        self.stop()

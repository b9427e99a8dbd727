"""`make run` as someone who just cloned the repository starts it, on ports and data of its own.

The environment is cleaned of what a fresh shell would not have: the workspace's `.venv/bin`
and `.tools/bin` on the PATH (`uv run pytest` puts them there), a surrounding `make`'s flags,
and any tracker configuration (keys, servers, ports, replicas) of the test run itself.
"""

import json
import os
import re
import signal
import subprocess
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psutil
from redis import Redis

from tests.waiting import eventually
from tracker_contracts import EVENTS_STREAM
from tracker_localstack.__main__ import REPLICA_PORT_STEP
from tracker_localstack.ports import free_port, free_port_with_room
from tracker_localstack.postgres import EmbeddedPostgres
from tracker_localstack.settings import LocalSettings

from .stack import REPLICATED

ROOT = Path(__file__).resolve().parents[2]
SUMMARY_START = "Agent Task Tracker is up:"
SUMMARY_END = "A process that dies is started again; Ctrl-C stops everything."
PORT_SETTINGS = [
    "EMBEDDED_POSTGRES_PORT",
    "EMBEDDED_REDIS_PORT",
    "GATEWAY_PORT",
    "INGEST_PORT",
    "QUERY_PORT",
    "QUERY_WORKER_PORT",
    "REALTIME_PORT",
    "KEYCHECK_PORT",
    "PORTAL_PORT",
    "WEB_PORT",
]
ANSI = re.compile(r"\x1b\[[0-9;]*m")
OUTPUT = "make-run-output.log"  # in the data folder


@dataclass(frozen=True)
class Newcomer:
    """A running `make run` and what it printed until it said it was up."""

    env: dict[str, str]
    ports: dict[str, int]
    data_dir: Path
    startup: str

    @property
    def gateway_port(self) -> int:
        return self.ports["GATEWAY_PORT"]

    def requests_since(self, offset: int) -> tuple[list[dict[str, object]], int]:
        """Requests the gateway logged after byte `offset` of its access log, and the offset
        after the last whole line (one being written is left for the next call)."""
        with self.access_log.open("rb") as log:
            log.seek(offset)
            written = log.read()
        whole = written[: written.rfind(b"\n") + 1]
        requests = [json.loads(line) for line in whole.splitlines() if line.strip()]
        return requests, offset + len(whole)

    @property
    def output(self) -> str:
        """Everything `make run` printed so far, without colours."""
        return plain((self.data_dir / OUTPUT).read_text(errors="replace"))

    @property
    def access_log(self) -> Path:
        return self.data_dir / "logs" / "traefik-access.log"

    def wait_until_applied(self) -> None:
        """Until the query service has applied and acknowledged every event on the stream."""
        with Redis(port=self.ports["EMBEDDED_REDIS_PORT"]) as redis:
            eventually(lambda: _caught_up(redis), within=60)


def fresh_shell_env(**extra: str) -> dict[str, str]:
    """The test's environment as a new terminal would have it, plus `extra`."""
    configured = {name.upper() for name in LocalSettings.model_fields} | {
        "LOCAL_DATA_DIR",
        "EVENTS_STREAM",
    }
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in configured
        and not name.startswith(("AGENT_TRACKER_", "PORTAL_", "MAKE", "MFLAGS"))
        and name not in {"VIRTUAL_ENV", "API_KEY", "API_KEYS"}
    }
    env["PATH"] = os.pathsep.join(
        entry
        for entry in env.get("PATH", "").split(os.pathsep)
        if entry and not Path(entry).resolve().is_relative_to(ROOT)
    )
    return env | extra


@contextmanager
def make_run(data_dir: Path, **settings: str) -> Iterator[Newcomer]:
    """`make run` in the repository with `settings` (e.g. INGEST_REPLICAS="2") in its
    environment, stopped with Ctrl-C (SIGINT to its process group)."""
    _refuse_a_configured_dotenv()
    ports = {name: free_port() for name in PORT_SETTINGS}
    for service in REPLICATED:
        replicas = int(settings.get(f"{service}_REPLICAS", "1"))
        ports[f"{service}_PORT"] = free_port_with_room(replicas, REPLICA_PORT_STEP)
    env = fresh_shell_env(
        LOCAL_DATA_DIR=str(data_dir),
        **{name: str(port) for name, port in ports.items()},
        **settings,
    )
    output = data_dir / OUTPUT
    with output.open("wb") as sink:
        process = subprocess.Popen(
            ["make", "run"],
            cwd=ROOT,
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        startup = _wait_for_summary(process, output)
        yield Newcomer(env=env, ports=ports, data_dir=data_dir, startup=startup)
    finally:
        _interrupt(process, data_dir, ports)


def plain(text: str) -> str:
    return ANSI.sub("", text)


def _wait_for_summary(process: subprocess.Popen[bytes], output: Path) -> str:
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        text = plain(output.read_text(errors="replace"))
        if SUMMARY_END in text:
            return text
        if process.poll() is not None:
            raise RuntimeError(f"make run exited with {process.returncode}:\n{text[-4000:]}")
        time.sleep(0.2)
    raise TimeoutError(f"make run never printed its summary:\n{text[-4000:]}")


def _interrupt(process: subprocess.Popen[bytes], data_dir: Path, ports: dict[str, int]) -> None:
    """Ctrl-C; should anything outlive it, stop it by its pid and the embedded servers."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGINT)
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
    for leftover in _listening_on(ports.values()):
        leftover.terminate()
    postgres = EmbeddedPostgres(data_dir / "postgres", ports["EMBEDDED_POSTGRES_PORT"])
    if postgres.is_running():
        postgres.stop()


def _listening_on(ports: Iterable[int]) -> list[psutil.Process]:
    wanted = set(ports)
    found = []
    for conn in psutil.net_connections(kind="tcp"):
        if conn.status == psutil.CONN_LISTEN and conn.laddr.port in wanted and conn.pid:
            process = psutil.Process(conn.pid)
            if process.name() != "postgres":  # pg_ctl stops it cleanly, below
                found.append(process)
    return found


def _caught_up(redis: "Redis[bytes]") -> bool:
    if not redis.exists(EVENTS_STREAM):
        return True
    last = redis.xinfo_stream(EVENTS_STREAM)["last-generated-id"]
    groups = redis.xinfo_groups(EVENTS_STREAM)
    return bool(groups) and all(
        group["last-delivered-id"] == last and group["pending"] == 0 for group in groups
    )


def _refuse_a_configured_dotenv() -> None:
    """`make run` reads `.env`; one that names keys or servers would not be a fresh clone's."""
    dotenv = ROOT / ".env"
    if not dotenv.exists():
        return
    names = {line.split("=", 1)[0].strip() for line in dotenv.read_text().splitlines()}
    clashing = names & {"API_KEY", "API_KEYS", "DATABASE_URL", "REDIS_URL", "LOCAL_DATA_DIR"}
    assert not clashing, (
        f"{dotenv} sets {', '.join(sorted(clashing))}: the README test follows a fresh clone,"
        " where `make run` generates its key and starts its own servers; move .env aside"
    )

"""A fleet of agents as load: `loadgen` (bench/loadgen, Go) posting distinct tasks open-loop,
and the sockets the system leaves behind toward each of its internal hops."""

import json
import signal
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import psutil

LOADGEN = Path(__file__).resolve().parents[1] / ".tools" / "bin" / "loadgen"
CONNECTIONS = 256
NEW_CONNECTION_SHARE = 0.1


@dataclass(frozen=True)
class FleetResult:
    """How the webhooks of one load run were answered; latencies in seconds, from when due."""

    sent: int
    answered_2xx: int
    non_2xx: int
    errors: int
    statuses: dict[str, int]
    rate: float
    p50: float
    p99: float
    max: float
    due: dict[str, float] = field(default_factory=dict)
    """With `stamp`: when each event (by id) was due, as Unix time in seconds."""

    @property
    def failed(self) -> int:
        return self.non_2xx + self.errors


def _command(url: str, headers: dict[str, str], rate: float, seconds: float) -> list[str]:
    if not LOADGEN.exists():
        raise RuntimeError(f"{LOADGEN} is missing: `make bench-tools` builds it")
    command = [str(LOADGEN), "-url", url, "-rate", str(rate), "-duration", f"{seconds}s"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    return command


def _result(output: str, due: dict[str, float] | None = None) -> FleetResult:
    summary = json.loads(output)
    return FleetResult(
        sent=summary["sent"],
        answered_2xx=summary["answered_2xx"],
        non_2xx=summary["non_2xx"],
        errors=summary["errors"],
        statuses=summary["statuses"],
        rate=summary["rate"],
        p50=summary["p50"],
        p99=summary["p99"],
        max=summary["max"],
        due=due or {},
    )


def run_fleet(
    url: str,
    headers: dict[str, str],
    *,
    rate: float,
    seconds: float,
    project: str = "bench-fleet",
    stamp: bool = False,
) -> FleetResult:
    """Post a fleet's webhooks to `url` at `rate` per second for `seconds` (blocks until done):
    each task a start, three statuses and a finish, on 256 keep-alive connections plus one
    request in ten on a new connection of its own."""
    command = _command(url, headers, rate, seconds)
    command += [
        "-connections", str(CONNECTIONS),
        "-new-connection-share", str(NEW_CONNECTION_SHARE),
        "-project", project,
    ]  # fmt: skip
    with tempfile.TemporaryDirectory() as directory:
        stamps = Path(directory) / "stamps"
        if stamp:
            command += ["-stamp", str(stamps)]
        output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
        due = {}
        if stamp:
            for line in stamps.read_text().splitlines():
                event_id, nanoseconds = line.split()
                due[event_id] = int(nanoseconds) / 1e9
    return _result(output, due)


class StatusLoad:
    """Statuses of existing tasks at `rate` per second, in the background until `stop`: the
    tasks listed in `tasks` (project, task_id, title, agent; tab-separated) in turn, on 64
    keep-alive connections."""

    def __init__(self, url: str, headers: dict[str, str], *, rate: float, tasks: Path) -> None:
        command = _command(url, headers, rate, 24 * 3600)
        command += ["-connections", "64", "-new-connection-share", "0", "-tasks", str(tasks)]
        self._process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)

    @property
    def process(self) -> psutil.Process:
        return psutil.Process(self._process.pid)

    def stop(self) -> FleetResult:
        """Stop sending, wait for the answers in flight, and tell how it went."""
        self._process.send_signal(signal.SIGINT)
        output, _ = self._process.communicate(timeout=60)
        if self._process.returncode != 0:
            raise RuntimeError(f"loadgen exited with {self._process.returncode}")
        return _result(output)


def time_wait(hops: dict[str, int]) -> dict[str, int]:
    """Sockets in TIME-WAIT toward each hop (by its listening port), on either end: a hop
    reached over reused connections has next to none, one reached by a connection per request
    has thousands."""
    counts = dict.fromkeys(hops, 0)
    by_port = {port: name for name, port in hops.items()}
    for connection in psutil.net_connections("tcp"):
        if connection.status != psutil.CONN_TIME_WAIT or not connection.raddr:
            continue
        remote = getattr(connection.raddr, "port", 0)
        local = getattr(connection.laddr, "port", 0)
        hop = by_port.get(remote) or by_port.get(local)
        if hop is not None:
            counts[hop] += 1
    return counts


@dataclass
class SocketWatch:
    """The most sockets in TIME-WAIT seen toward each hop while watching, and the last count."""

    peak: dict[str, int] = field(default_factory=dict)
    last: dict[str, int] = field(default_factory=dict)
    totals: list[int] = field(default_factory=list)
    """Sockets toward the internal hops, at each sample."""

    def grew(self) -> bool:
        """Whether the second half of the run held clearly more than the first: sockets that
        pile up rather than a steady churn."""
        half = len(self.totals) // 2
        if half == 0:
            return False
        return max(self.totals[half:]) > 1.5 * max(self.totals[:half]) + 100

    def describe(self) -> str:
        return ", ".join(f"{hop} {self.last[hop]} (peak {self.peak[hop]})" for hop in self.last)


@contextmanager
def watched_sockets(
    hops: dict[str, int], internal: frozenset[str], every: float = 5.0
) -> Iterator[SocketWatch]:
    """Count TIME-WAIT sockets toward `hops` every `every` seconds while the block runs."""
    watch = SocketWatch()
    stop = threading.Event()

    def sample() -> None:
        watch.last = time_wait(hops)
        watch.totals.append(sum(watch.last[hop] for hop in internal))
        for hop, count in watch.last.items():
            watch.peak[hop] = max(watch.peak.get(hop, 0), count)

    def keep_sampling() -> None:
        while not stop.wait(every):
            sample()

    sample()
    thread = threading.Thread(target=keep_sampling, daemon=True)
    thread.start()
    try:
        yield watch
    finally:
        stop.set()
        thread.join()
        sample()

"""CPU each process burns during a measurement: the load generator shares the machine's cores."""

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import psutil


def _cpu_seconds(process: psutil.Process) -> dict[int, float]:
    """User and system time of a process and each of its descendants, by process id
    (PostgreSQL serves each connection from a child of the postmaster, Chromium each page from
    a child of its own)."""
    spent = {}
    for member in [process, *process.children(recursive=True)]:
        try:
            times = member.cpu_times()
        except psutil.NoSuchProcess:
            continue
        spent[member.pid] = times.user + times.system
    return spent


@dataclass
class CpuUsage:
    """Percent of one core per process over the measured interval."""

    percent: dict[str, float] = field(default_factory=dict)

    def describe(self) -> str:
        busy = sorted(self.percent.items(), key=lambda item: -item[1])
        return " ".join(f"{name} {value:.0f}%" for name, value in busy if value >= 1)


@contextmanager
def measured(processes: dict[str, psutil.Process]) -> Iterator[CpuUsage]:
    """Fill the yielded usage with what each process spent while the block ran."""
    usage = CpuUsage()
    before = {name: _cpu_seconds(p) for name, p in processes.items()}
    started = time.monotonic()
    yield usage
    elapsed = time.monotonic() - started
    for name, process in processes.items():
        try:
            after = _cpu_seconds(process)
        except psutil.NoSuchProcess:
            continue
        # Per process: one that ended meanwhile must not take its earlier time away.
        spent = sum(seconds - before[name].get(pid, 0.0) for pid, seconds in after.items())
        usage.percent[name] = 100 * spent / elapsed

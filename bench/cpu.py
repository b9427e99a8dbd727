"""CPU each process burns during a measurement: the load generator shares the machine's cores."""

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import psutil


def _cpu_seconds(process: psutil.Process) -> float:
    """User and system time of a process and its children (PostgreSQL serves each connection
    from a child of the postmaster)."""
    total = 0.0
    for member in [process, *process.children(recursive=True)]:
        try:
            times = member.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system
    return total


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
            spent = _cpu_seconds(process) - before[name]
        except psutil.NoSuchProcess:
            continue
        usage.percent[name] = 100 * spent / elapsed

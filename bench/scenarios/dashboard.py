"""The dashboard in a real browser while a big fleet is busy: what its readers feel.

401 projects, one of them with thousands of running tasks (bench/big_fleet.py), then statuses
of running tasks at a steady rate (`loadgen -tasks`). For each view, headless Chromium through
the gateway (bench/browser/dashboard.mjs, which says exactly how each figure is taken): the
first load with no load and at each rate, then the main-thread lag and the JS heap while the
load runs, with the CPU each process used meanwhile.
"""

import asyncio
import json
import math
import os
import shutil
import statistics
import subprocess
import time
from collections import defaultdict
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import psutil

from ..backlog import wait_until_applied
from ..big_fleet import BIG_PROJECT, Fleet, seed, write_running_tasks
from ..cpu import measured
from ..fleet import StatusLoad
from ..report import Row, median_of_runs, ms, percentile
from ..system import System

SCRIPT = Path(__file__).resolve().parents[1] / "browser" / "dashboard.mjs"
WARM_UP = 3.0  # seconds of load before the first page opens
MB = 2**20
LAG_TARGET = 0.100
HEAP_TARGET = 150  # MB
TARGET_RATE = 500  # events per second: the rate the targets hold for
FIRST_LOAD_TARGET = 1.0
REQUESTS_TARGET = 6


@dataclass(frozen=True)
class View:
    key: str
    label: str
    path: str
    selector: str
    """The element whose first frame ends the first load."""
    content: str
    tab: str | None = None


VIEWS = (
    View("overview", "overview (/)", "/", '[data-testid="project-card"]', "first project card"),
    View(
        "board",
        f"{BIG_PROJECT} board",
        f"/projects/{BIG_PROJECT}",
        '[data-testid="task-card"]',
        "first task card",
        tab="Board",
    ),
    View("statistics", "statistics (/stats)", "/stats", ".recharts-surface", "first chart"),
)


def _browse(
    system: System,
    *,
    seconds: float,
    heap_every: float,
    processes: dict[str, psutil.Process],
    cpu_texts: dict[str, str],
) -> dict[str, dict[str, Any]]:
    """Every view once in a fresh browser; each view's result, and in `cpu_texts` the CPU
    each process used during its period."""
    node = shutil.which("node")
    if node is None:
        raise RuntimeError("node is missing: the dashboard benchmark drives Chromium with it")
    chromium = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    if not Path(chromium).exists():
        raise RuntimeError(f"{chromium} is missing: `make web-browser` installs it")
    config = {
        "url": system.gateway_url,
        "key": system.api_key,
        "chromium": chromium,
        "seconds": seconds,
        "heapEvery": heap_every,
        "views": [
            {"name": v.key, "path": v.path, "selector": v.selector, "tab": v.tab} for v in VIEWS
        ],
    }
    log = (system.root / "logs" / "browser.log").open("a")
    browser = subprocess.Popen(
        [node, str(SCRIPT), json.dumps(config)], stdout=subprocess.PIPE, stderr=log, text=True
    )
    # The browser is Chromium and the Node.js process that drives it (its parent).
    watched = {**processes, "browser": psutil.Process(browser.pid)}
    results: dict[str, dict[str, Any]] = {}
    assert browser.stdout is not None
    lines = iter(browser.stdout.readline, "")
    for line in lines:
        kind, _, rest = line.strip().partition(" ")
        if kind == "period":
            with measured(watched) as cpu:
                # The view's result ends its period.
                kind, _, rest = next(lines, "").strip().partition(" ")
            cpu_texts[line.split()[1]] = cpu.describe()
        if kind == "result":
            result = json.loads(rest)
            results[result["view"]] = result
    if browser.wait() != 0 or len(results) != len(VIEWS):
        log_text = (system.root / "logs" / "browser.log").read_text()
        raise RuntimeError(f"the browser failed (exit {browser.returncode}):\n{log_text[-3000:]}")
    return results


def heap_trend(samples: list[list[float]]) -> tuple[float, bool]:
    """The heap's slope in MB per minute over the second half of the period (least squares),
    and whether it grows: the fitted line rises by more than 5% of the heap, and more than
    2 MB, over that half. `samples` are [milliseconds, bytes]."""
    end = samples[-1][0]
    middle = samples[0][0] + (end - samples[0][0]) / 2
    half = [(t / 60_000, heap / MB) for t, heap in samples if t >= middle]
    if len(half) < 2:
        return 0.0, False
    minutes, sizes = zip(*half, strict=True)
    slope = statistics.linear_regression(minutes, sizes).slope
    rise = slope * (minutes[-1] - minutes[0])
    return slope, rise > max(2.0, 0.05 * statistics.fmean(sizes))


def _figures(result: dict[str, Any], prefix: str) -> dict[str, float]:
    first_load = result["firstLoad"]
    figures = {
        # A view that showed nothing in time: infinitely slow, which the median keeps in order.
        f"{prefix}:first_load": math.inf if first_load is None else first_load,
        f"{prefix}:requests": result["requests"],
    }
    if "lags" not in result:
        return figures
    lags = [lag / 1000 for lag in result["lags"]]
    heap = result["heap"]
    slope, growing = heap_trend(heap)
    return figures | {
        f"{prefix}:lag_p50": percentile(lags, 0.50),
        f"{prefix}:lag_p99": percentile(lags, 0.99),
        f"{prefix}:lag_max": max(lags, default=float("nan")),
        f"{prefix}:heap_start": heap[0][1] / MB,
        f"{prefix}:heap_end": heap[-1][1] / MB,
        f"{prefix}:heap_max": max(h for _, h in heap) / MB,
        f"{prefix}:heap_slope": slope,
        f"{prefix}:growing": float(growing),
        f"{prefix}:messages": result["messages"] / result["seconds"],
        f"{prefix}:live": result["live"],
        f"{prefix}:errors": result["errors"],
        f"{prefix}:load_average": os.getloadavg()[0],
    }


def _duration(seconds: float) -> str:
    return f"{seconds / 60:g} min" if seconds >= 60 else f"{seconds:g} s"


def run(
    system: System,
    *,
    runs: int,
    fleet: Fleet,
    rates: tuple[float, ...],
    seconds: float,
    heap_every: float,
) -> list[Row]:
    seed(system, fleet)
    tasks = write_running_tasks(fleet, system.root / "running-tasks.tsv")
    cpu_texts: dict[str, list[str]] = defaultdict(list)
    answers: dict[float, str] = {}  # the load's answers by status, when some were not 2xx

    def once() -> dict[str, float]:
        figures: dict[str, float] = {}
        idle = _browse(system, seconds=0, heap_every=heap_every, processes={}, cpu_texts={})
        for view in VIEWS:
            figures |= _figures(idle[view.key], f"{view.key}@0")
        for rate in rates:
            load = StatusLoad(system.gateway_url, system.headers, rate=rate, tasks=tasks)
            texts: dict[str, str] = {}
            try:
                time.sleep(WARM_UP)
                processes = {**system.processes(), "load generator": load.process}
                results = _browse(
                    system,
                    seconds=seconds,
                    heap_every=heap_every,
                    processes=processes,
                    cpu_texts=texts,
                )
            finally:
                sent = load.stop()
            for view in VIEWS:
                figures |= _figures(results[view.key], f"{view.key}@{rate:g}")
                cpu_texts[f"{view.key}@{rate:g}"].append(texts[view.key])
            figures[f"load@{rate:g}:rate"] = sent.rate
            figures[f"load@{rate:g}:failed"] = sent.failed
            if sent.failed:
                answers[rate] = f"; answers by status: {sent.statuses}"
            # The next rate starts from an applied stream.
            asyncio.run(wait_until_applied(system.redis.url))
        return figures

    figures = median_of_runs(runs, once)
    rows = [_first_load_row(view, figures, fleet, rates) for view in VIEWS]
    for rate in rates:
        for view in VIEWS:
            texts = cpu_texts[f"{view.key}@{rate:g}"]
            row = _period_row(view, figures, rate, seconds, texts[len(texts) // 2])
            rows.append(replace(row, figure=row.figure + answers.get(rate, "")))
    return rows


def _first_load_row(
    view: View, figures: dict[str, float], fleet: Fleet, rates: tuple[float, ...]
) -> Row:
    def at(rate: float) -> str:
        f = f"{view.key}@{rate:g}"
        when = f"at {rate:,.0f}/s" if rate else "idle"
        seconds = figures[f + ":first_load"]
        shown = "nothing shown in 120 s" if math.isinf(seconds) else f"{seconds:.2f} s"
        return f"{when} {shown}, {figures[f + ':requests']:.0f}"

    idle = f"{view.key}@0"
    is_overview = view.key == "overview"
    return Row(
        f"dashboard: {view.label} first load, to the {view.content} ({fleet.describe()}); "
        "seconds, /api/ requests",
        "; ".join(at(rate) for rate in (0, *rates)),
        f"idle ≤ {FIRST_LOAD_TARGET:g} s, ≤ {REQUESTS_TARGET} requests" if is_overview else "",
        figures[idle + ":first_load"] <= FIRST_LOAD_TARGET
        and figures[idle + ":requests"] <= REQUESTS_TARGET
        if is_overview
        else None,
    )


def _period_row(
    view: View, figures: dict[str, float], rate: float, seconds: float, cpu: str
) -> Row:
    def f(name: str) -> float:
        return figures[f"{view.key}@{rate:g}:{name}"]

    load = f"load@{rate:g}"
    trend = "growing" if f("growing") >= 0.5 else "not growing"
    judged = rate == TARGET_RATE
    return Row(
        f"dashboard: {view.label} under {rate:,.0f} statuses/s for {_duration(seconds)}",
        f"main-thread lag p50 {ms(f('lag_p50'))}, p99 {ms(f('lag_p99'))}, max {ms(f('lag_max'))}; "
        f"heap {f('heap_start'):.0f} → {f('heap_end'):.0f} MB (max {f('heap_max'):.0f}), "
        f"{f('heap_slope'):+.1f} MB/min in the second half: {trend}; "
        f"page got {f('messages'):,.0f} feed messages/s, feed live {f('live'):.0%} of the time, "
        f"{f('errors'):.0f} page errors; "
        f"load held {figures[load + ':rate']:,.1f}/s, {figures[load + ':failed']:.0f} not 2xx; "
        f"load average {f('load_average'):.1f}",
        f"lag p99 ≤ {LAG_TARGET * 1e3:.0f} ms, heap ≤ {HEAP_TARGET} MB, not growing"
        if judged
        else "",
        f("lag_p99") <= LAG_TARGET and f("heap_end") <= HEAP_TARGET and f("growing") < 0.5
        if judged
        else None,
        cpu,
    )

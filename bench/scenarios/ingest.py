"""Webhooks per second into the stream: straight into one ingest process, through the gateway,
and with dashboards following the live feed meanwhile."""

import asyncio
import time
from itertools import islice
from typing import Any

import httpx
import psutil

from ..cpu import measured
from ..dashboards import Dashboards
from ..hey import hey
from ..load import task_events
from ..report import Row, median_of_runs, ms, per_second
from ..system import System
from .live import feed_url

WORKERS = 50
STATUS = {
    "project": "bench-ingest",
    "task": "Load",
    "task_id": "load-1",
    "agent": "hey",
    "status": "running",
    "progress": 50,
}


def _rate(
    system: System,
    url: str,
    *,
    runs: int,
    seconds: float,
    extra: dict[str, int],
    headers: dict[str, str] | None = None,
) -> tuple[dict[str, float], str]:
    cpu_texts = []

    def once() -> dict[str, float]:
        watched = system.processes() | {name: psutil.Process(pid) for name, pid in extra.items()}
        with measured(watched) as cpu:
            result = hey(url, STATUS, headers or system.headers, seconds=seconds, workers=WORKERS)
        cpu_texts.append(cpu.describe())
        refused = sum(n for code, n in result.statuses.items() if code != 202)
        return {"rate": result.rate, "p50": result.p50, "p99": result.p99, "refused": refused}

    return median_of_runs(runs, once), cpu_texts[len(cpu_texts) // 2]


def _row(name: str, figures: dict[str, float], target: str, goal: float, cpu: str) -> Row:
    refused = f", {figures['refused']:.0f} not 202" if figures["refused"] else ""
    return Row(
        name,
        f"{per_second(figures['rate'])}, p50 {ms(figures['p50'])}, p99 {ms(figures['p99'])}"
        + refused,
        target,
        figures["rate"] >= goal and not figures["refused"],
        cpu,
    )


def single_webhooks(system: System, *, runs: int, seconds: float) -> list[Row]:
    """One ingest process, then the whole gateway path (Traefik + key check) in front of it."""
    direct, direct_cpu = _rate(
        system,
        f"{system.services['ingest'].url}/webhook/status",
        runs=runs,
        seconds=seconds,
        extra={},
        headers=system.identity,
    )
    gateway, gateway_cpu = _rate(
        system, f"{system.gateway_url}/webhook/status", runs=runs, seconds=seconds, extra={}
    )
    return [
        _row(
            f"ingest direct, one process ({WORKERS} connections, one task, folded)",
            direct,
            "≥ 5,000/s",
            5_000,
            direct_cpu,
        ),
        _row(
            f"ingest through the gateway ({WORKERS} connections, one task, folded)",
            gateway,
            "≥ 2,500/s (stretch 4,000)",
            2_500,
            gateway_cpu,
        ),
    ]


def with_dashboards(
    system: System, *, runs: int, seconds: float, counts: tuple[int, ...]
) -> list[Row]:
    """Ingest through the gateway while 0, 10 and 50 dashboards follow every event."""
    rows = []
    baseline = 0.0
    most = max(counts)
    for count in counts:
        feed = None
        if count:
            url = feed_url(system, system.ws_url, STATUS["project"])  # type: ignore[arg-type]
            feed = Dashboards(url, count, seconds * runs + 10, processes=1)
        extra = {"dashboards": feed.pids[0]} if feed else {}
        figures, cpu = _rate(
            system,
            f"{system.gateway_url}/webhook/status",
            runs=runs,
            seconds=seconds,
            extra=extra,
        )
        if feed is not None:
            feed.arrivals()
        baseline = baseline or figures["rate"]
        change = figures["rate"] / baseline - 1
        rows.append(
            Row(
                f"ingest through the gateway, {count} dashboards following",
                f"{per_second(figures['rate'])} ({change:+.0%} vs none), p99 {ms(figures['p99'])}",
                f"falls ≤ 10% with {most}" if count == most else "",
                change >= -0.10 if count == most else None,
                cpu,
            )
        )
    return rows


async def _post_batches(url: str, headers: dict[str, str], batches: int, size: int) -> float:
    """Seconds to post `batches` batches of `size` events, four requests at a time."""
    events = task_events("bench-batch", "batch-agent")
    bodies = [
        {"events": [{"type": kind, **body} for kind, body in islice(events, size)]}
        for _ in range(batches)
    ]
    async with httpx.AsyncClient(headers=headers, timeout=60) as client:
        gate = asyncio.Semaphore(4)

        async def post(body: dict[str, list[dict[str, Any]]]) -> None:
            async with gate:
                answer = await client.post(f"{url}/webhook/batch", json=body)
                answer.raise_for_status()
                if answer.json()["accepted"] != size:
                    raise RuntimeError(f"a batch was not accepted whole: {answer.text[:300]}")

        started = time.monotonic()
        await asyncio.gather(*(post(body) for body in bodies))
        return time.monotonic() - started


def batches(system: System, *, runs: int, batches: int, size: int = 1_000) -> list[Row]:
    """`POST /webhook/batch` through the gateway: events per second."""
    cpu_texts = []

    def once() -> dict[str, float]:
        with measured(system.processes()) as cpu:
            seconds = asyncio.run(_post_batches(system.gateway_url, system.headers, batches, size))
        cpu_texts.append(cpu.describe())
        return {"rate": batches * size / seconds}

    figures = median_of_runs(runs, once)
    return [
        Row(
            f"batch ingest through the gateway ({size:,} events per request)",
            f"{per_second(figures['rate'])} events",
            "≥ 50,000/s",
            figures["rate"] >= 50_000,
            cpu_texts[len(cpu_texts) // 2],
        )
    ]

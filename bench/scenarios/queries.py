"""Dashboard queries at a million tasks, through the gateway, while agents keep reporting."""

import asyncio
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import httpx

from ..cpu import measured
from ..fill import fill_tasks
from ..load import BackgroundLoad
from ..report import Row, median_of_runs, ms, percentile
from ..system import System

QUERY_RATE = 40  # requests per second, per endpoint in turn


def _queries() -> dict[str, tuple[str, float]]:
    """Name → (path, p99 target in seconds)."""
    day_ago = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    return {
        "stats: /api/stats": ("/api/stats", 0.050),
        "stats: one project and agent": ("/api/stats?project=project-3&agent=agent-8", 0.050),
        "stats: started in the last 24 h": (
            f"/api/stats?{httpx.QueryParams({'since': day_ago})}",
            0.050,
        ),
        "list: project, failed, 50 per page": (
            "/api/projects/project-3/tasks?status=failed&limit=50",
            0.020,
        ),
        "list: all projects, one agent, longest first": (
            "/api/tasks?agent=agent-8&status=completed&sort=duration&limit=50",
            0.020,
        ),
        "list: title search": ("/api/projects/project-3/tasks?q=invoice&limit=50", 0.020),
    }


async def _latencies(system: System, path: str, requests: int) -> list[float]:
    latencies = []
    async with httpx.AsyncClient(base_url=system.gateway_url, headers=system.headers) as client:
        await client.get(path)  # warm the connection
        for _ in range(requests):
            started = time.monotonic()
            answer = await client.get(path)
            latencies.append(time.monotonic() - started)
            answer.raise_for_status()
            await asyncio.sleep(max(0.0, 1 / QUERY_RATE - latencies[-1]))
    return latencies


def run(system: System, *, tasks: int, runs: int, requests: int, rate: float) -> list[Row]:
    asyncio.run(fill_tasks(system.database_url, tasks))
    queries = _queries()
    seconds = requests * len(queries) / QUERY_RATE + 5
    return _measure(system, queries, tasks=tasks, runs=runs, requests=requests, rate=0) + _measure(
        system, queries, tasks=tasks, runs=runs, requests=requests, rate=rate, seconds=seconds
    )


def _measure(
    system: System,
    queries: dict[str, tuple[str, float]],
    *,
    tasks: int,
    runs: int,
    requests: int,
    rate: float,
    seconds: float = 0,
) -> list[Row]:
    """Each query's latency; with `rate`, while that many events per second arrive."""
    cpu_texts: list[str] = []

    def once() -> dict[str, float]:
        load = BackgroundLoad(system.gateway_url, system.headers, rate, seconds) if rate else None
        with measured(system.processes()) as cpu:
            figures = {}
            for name, (path, _) in queries.items():
                latencies = asyncio.run(_latencies(system, path, requests))
                figures[f"{name} p50"] = percentile(latencies, 0.50)
                figures[f"{name} p99"] = percentile(latencies, 0.99)
            if load is not None:
                load.result()
        cpu_texts.append(cpu.describe())
        return figures

    figures = median_of_runs(runs, once)
    meanwhile = f"{rate:,.0f} events/s arriving" if rate else "nothing else running"
    rows = [
        Row(
            f"{name} ({tasks:,} tasks, {meanwhile})",
            f"p50 {ms(figures[f'{name} p50'])}, p99 {ms(figures[f'{name} p99'])}",
            f"p99 ≤ {ms(target)}",
            figures[f"{name} p99"] <= target,
        )
        for name, (_, target) in queries.items()
    ]
    rows[-1] = replace(rows[-1], cpu=cpu_texts[len(cpu_texts) // 2])
    return rows

"""The query worker applying events to PostgreSQL: from a full stream, and after a crash."""

import asyncio
import time

from ..backlog import fill_stream, newest_entry, wait_until_applied, wait_until_applied_through
from ..cpu import measured
from ..load import BackgroundLoad
from ..report import Row, median_of_runs, ms, per_second
from ..system import System, start_system


def from_full_stream(*, runs: int, events: int) -> list[Row]:
    """Events per second applied from a stream filled before the query worker starts.
    Each run has a system of its own: an empty database and the stream full.

    Beside the shares of a core, the CPU time the query worker and PostgreSQL spend per
    thousand events: a figure that holds even when other work shares the cores."""
    cpu_texts = []

    def once() -> dict[str, float]:
        system = start_system(services=(), gateway=False)
        try:
            asyncio.run(fill_stream(system.redis.url, events))
            system.start("query-worker")
            with measured(system.processes()) as cpu:
                seconds = asyncio.run(wait_until_applied(system.redis.url))
            per_thousand = {
                name: cpu.percent.get(name, 0) / 100 * seconds / events * 1000
                for name in ("query-worker", "postgres")
            }
            cpu_texts.append(
                f"{cpu.describe()} · CPU per 1k events: "
                + " ".join(f"{name} {ms(spent)}" for name, spent in per_thousand.items())
            )
            return {"rate": events / seconds}
        finally:
            system.stop()

    figures = median_of_runs(runs, once)
    return [
        Row(
            f"apply: {events:,} events from a full stream into PostgreSQL",
            per_second(figures["rate"]),
            "≥ 10,000/s (stretch 20,000)",
            figures["rate"] >= 10_000,
            cpu_texts[len(cpu_texts) // 2],
        )
    ]


def after_a_crash(system: System, *, runs: int, rate: float = 1_000) -> list[Row]:
    """`kill -9` of the query worker under steady load, restarted at once (as a supervisor
    would): seconds until every event that arrived before the kill is applied."""

    def once() -> dict[str, float]:
        load = BackgroundLoad(system.gateway_url, system.headers, rate, 12, project="crash")
        time.sleep(4)
        worker = system.services["query-worker"]
        last_before = asyncio.run(newest_entry(system.redis.url))
        killed_at = time.monotonic()
        worker.kill()
        worker.start()
        asyncio.run(wait_until_applied_through(system.redis.url, last_before))
        recovered = time.monotonic() - killed_at
        load.result()
        return {"seconds": recovered}

    figures = median_of_runs(runs, once)
    return [
        Row(
            f"recovery: kill -9 of the consumer at {rate:,.0f} events/s → backlog applied",
            f"{figures['seconds']:.1f} s",
            "≤ 30 s",
            figures["seconds"] <= 30,
        )
    ]

"""`make bench`: measure the whole pipeline on this machine and write docs/benchmarks.md.

python -m bench                  # every benchmark, three runs each, full sizes
python -m bench --quick          # tiny sizes: checks that every benchmark still works
python -m bench --only ingest,queries
python -m bench --only dashboard --dashboard-seconds 60 --dashboard-rates 500 --runs 1
"""

import argparse
import asyncio
import sys
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from .backlog import wait_until_applied
from .big_fleet import Fleet
from .dashboards import raise_open_file_limit
from .report import Row, markdown, table
from .scenarios import apply, dashboard, fleet, ingest, live, otlp, queries
from .system import start_system


@dataclass(frozen=True)
class Sizes:
    seconds: float  # of each throughput run
    rate: float  # events per second for latency runs
    dashboards: tuple[int, ...]
    batches: int
    fan_out_clients: int
    deliveries: float  # per second, to all fan-out clients together
    idle_connections: int
    tasks: int
    query_requests: int
    events: int
    fleet_seconds: float  # of each run of the fleet through the gateway
    sustained_seconds: float
    search: tuple[float, float, float]  # highest-rate search: start, step, ceiling
    fleet: Fleet  # what the dashboard shows
    dashboard_rates: tuple[float, ...]  # statuses per second while the dashboard is watched
    dashboard_seconds: float  # each view watched this long at each rate
    heap_every: float  # seconds between heap samples


FULL = Sizes(
    10, 1_000, (0, 10, 50), 100, 1_000, 20_000, 10_000, 1_000_000, 200, 1_000_000,
    60, 300, (1_000, 250, 6_000), Fleet(400, 5_000), (100, 500), 300, 10,
)  # fmt: skip
QUICK = Sizes(
    1, 50, (0, 2), 2, 8, 100, 20, 2_000, 5, 500, 2, 3, (50, 50, 100),
    Fleet(20, 200), (100,), 4, 1,
)  # fmt: skip


def _pipeline(sizes: Sizes, runs: int) -> list[Row]:
    """Ingest and the live feed on one system; the query worker is stopped while ingest is
    measured, so that applying the backlog does not take the cores being measured."""
    system = start_system()
    try:
        system.services["query-worker"].stop()
        rows = ingest.single_webhooks(system, runs=runs, seconds=sizes.seconds)
        rows += ingest.batches(system, runs=runs, batches=sizes.batches)
        rows += otlp.exports(system, runs=runs, requests=sizes.batches)
        rows += ingest.with_dashboards(
            system, runs=runs, seconds=sizes.seconds, counts=sizes.dashboards
        )
        system.start("query-worker")
        asyncio.run(wait_until_applied(system.redis.url))
        rows += live.fan_out(
            system,
            runs=runs,
            seconds=sizes.seconds,
            clients=sizes.fan_out_clients,
            deliveries=sizes.deliveries,
        )
        rows += live.idle_connections(system, connections=sizes.idle_connections)
        rows += apply.after_a_crash(system, runs=runs, rate=sizes.rate)
        return rows
    finally:
        system.stop()


def _gateway(sizes: Sizes, runs: int) -> list[Row]:
    """A fleet through the gateway, every service running (the consumer and the live feed)."""
    system = start_system()
    try:
        seconds, rate = sizes.fleet_seconds, sizes.rate
        rows = fleet.sustained(system, runs=runs, seconds=sizes.sustained_seconds, rate=rate)
        start, step, ceiling = sizes.search
        rows += fleet.highest_rate(
            system, runs=runs, seconds=seconds, start=start, step=step, ceiling=ceiling
        )
        rows += fleet.to_dashboards(system, runs=runs, seconds=seconds, rate=rate)
        rows += fleet.three_paths(system, runs=runs, seconds=seconds, rate=rate)
        return rows
    finally:
        system.stop()


def _queries(sizes: Sizes, runs: int) -> list[Row]:
    system = start_system()
    try:
        return queries.run(
            system, tasks=sizes.tasks, runs=runs, requests=sizes.query_requests, rate=sizes.rate
        )
    finally:
        system.stop()


def _apply(sizes: Sizes, runs: int) -> list[Row]:
    # A million events take minutes to apply: one run at full size.
    return apply.from_full_stream(runs=1 if sizes is FULL else runs, events=sizes.events)


def _dashboard(sizes: Sizes, runs: int) -> list[Row]:
    system = start_system(dashboard=True)
    try:
        return dashboard.run(
            system,
            runs=runs,
            fleet=sizes.fleet,
            rates=sizes.dashboard_rates,
            seconds=sizes.dashboard_seconds,
            heap_every=sizes.heap_every,
        )
    finally:
        system.stop()


BENCHMARKS: dict[str, Callable[[Sizes, int], list[Row]]] = {
    "gateway": _gateway,
    "ingest": _pipeline,
    "queries": _queries,
    "apply": _apply,
    "dashboard": _dashboard,
}


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="tiny sizes, one run")
    parser.add_argument("--runs", type=int, default=3, help="runs per benchmark (median)")
    parser.add_argument("--only", default=",".join(BENCHMARKS), help="comma-separated groups")
    parser.add_argument("--output", type=Path, help="write the table here as Markdown")
    parser.add_argument(
        "--dashboard-seconds", type=float, help="watch each view this long at each rate"
    )
    parser.add_argument(
        "--dashboard-rates", help="comma-separated statuses per second to watch the views at"
    )
    args = parser.parse_args()
    sizes, runs = (QUICK, 1) if args.quick else (FULL, args.runs)
    if args.dashboard_seconds is not None:
        sizes = replace(sizes, dashboard_seconds=args.dashboard_seconds)
    if args.dashboard_rates is not None:
        rates = tuple(float(rate) for rate in args.dashboard_rates.split(","))
        sizes = replace(sizes, dashboard_rates=rates)
    unknown = set(args.only.split(",")) - set(BENCHMARKS)
    if unknown:
        parser.error(f"unknown groups {sorted(unknown)}; choose from {list(BENCHMARKS)}")

    raise_open_file_limit()  # the services started from here inherit it
    rows: list[Row] = []
    for name in args.only.split(","):
        print(f"running {name} …", file=sys.stderr, flush=True)
        rows += BENCHMARKS[name](sizes, runs)
    print(table(rows))
    if args.output is not None:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        groups = args.only.split(",")
        if set(groups) < set(BENCHMARKS) and args.output.exists():
            # A partial run adds its table below the full one instead of replacing it.
            section = markdown(rows, runs).replace("# Benchmarks", f"## Again: {args.only}", 1)
            args.output.write_text(args.output.read_text() + "\n" + section)
        else:
            args.output.write_text(markdown(rows, runs))
        print(f"written to {args.output}", file=sys.stderr)


if __name__ == "__main__":
    main()

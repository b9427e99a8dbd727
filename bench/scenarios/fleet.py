"""The gateway under a fleet: distinct tasks, open-loop, 256 keep-alive connections plus one
request in ten on a new connection, with the consumer and the live feed running.

The same load three ways at a fixed rate (straight to ingest, through Traefik's routes without
the key check, through the gateway as shipped); the gateway as shipped for minutes on end; the
highest rate it holds with p99 ≤ 50 ms; and how soon dashboards see what agents post.
"""

import asyncio
import os
import subprocess
import time
from collections.abc import Callable

import psutil
import yaml

from tracker_localstack import traefik
from tracker_localstack.ports import free_port
from tracker_localstack.readiness import wait_until_routed

from ..backlog import wait_until_applied
from ..cpu import measured
from ..dashboards import Dashboards
from ..fleet import CONNECTIONS, FleetResult, run_fleet, watched_sockets
from ..report import Row, median_of_runs, ms, per_second, percentile
from ..system import System
from .live import feed_url

LOAD = f"{CONNECTIONS} connections + 1 in 10 new"
# The load generator's own new connections end at the gateway: expected, not an internal hop.
CLIENTS = "gateway (clients)"
GATEWAY_CPU_TARGET = 0.15e-3  # seconds per webhook, Traefik and any key check together


def _hops(system: System) -> dict[str, int]:
    ports = {name: int(service.url.rsplit(":", 1)[1]) for name, service in system.services.items()}
    return {
        **ports,
        "redis": system.redis.port,
        "postgres": system.postgres.port,
        CLIENTS: int(system.gateway_url.rsplit(":", 1)[1]),
    }


def _settle(system: System) -> None:
    """Start from an applied stream, whatever the run before left behind."""
    asyncio.run(wait_until_applied(system.redis.url))


def _measure(
    system: System,
    url: str,
    headers: dict[str, str],
    *,
    rate: float,
    seconds: float,
    gateway: psutil.Process | None = None,
) -> tuple[dict[str, float], str, str]:
    """One load run: figures, CPU per process, and TIME-WAIT sockets toward each hop."""
    _settle(system)
    processes = system.processes()
    if gateway is not None:
        processes["traefik"] = gateway
    hops = _hops(system)
    internal = frozenset(hops) - {CLIENTS}
    with watched_sockets(hops, internal) as sockets, measured(processes) as cpu:
        result = run_fleet(url, headers, rate=rate, seconds=seconds)
    gateway_cpu = cpu.percent.get("traefik", 0.0) / 100 / max(result.rate, 1)
    figures = {
        "rate": result.rate,
        "p50": result.p50,
        "p99": result.p99,
        "max": result.max,
        "failed": result.failed,
        "gateway_cpu": gateway_cpu,
        "sockets_grew": float(sockets.grew()),
    }
    notes = sockets.describe()
    if result.failed:
        notes += f"; answers by status: {result.statuses}"
    return figures, cpu.describe(), notes


def _medians(
    runs: int, measure: Callable[[], tuple[dict[str, float], str, str]]
) -> tuple[dict[str, float], str, str]:
    texts: list[tuple[str, str]] = []

    def once() -> dict[str, float]:
        figures, cpu, sockets = measure()
        texts.append((cpu, sockets))
        return figures

    figures = median_of_runs(runs, once)
    cpu, sockets = texts[len(texts) // 2]
    return figures, cpu, sockets


def _duration(seconds: float) -> str:
    return f"{seconds / 60:g} min" if seconds >= 60 else f"{seconds:g} s"


def _answers(figures: dict[str, float]) -> str:
    failed = f"{figures['failed']:.0f} not 2xx"
    return f"p50 {ms(figures['p50'])}, p99 {ms(figures['p99'])}, max {ms(figures['max'])}, {failed}"


class OpenGateway:
    """A second Traefik with the gateway's routes but no key check: each protected route stamps
    the benchmark key's identity instead, so that the services accept what it forwards."""

    def __init__(self, system: System) -> None:
        run_dir = system.root / "gateway-open"
        port = free_port()
        urls = {name: [service.url] for name, service in system.services.items()}
        config = traefik.write_config(
            run_dir, f"127.0.0.1:{port}", urls, system.root / "logs" / "open-access.log"
        )
        routes_file = run_dir / "dynamic" / "routes.yml"
        routes = yaml.safe_load(routes_file.read_text())["http"]
        routes["middlewares"]["bench-identity"] = {
            "headers": {"customRequestHeaders": system.identity}
        }
        for router in routes["routers"].values():
            middlewares = router.get("middlewares", [])
            router["middlewares"] = [
                "bench-identity" if name == "api-key" else name for name in middlewares
            ]
        routes_file.write_text(yaml.safe_dump({"http": routes}))
        self._process = subprocess.Popen(
            traefik.command(config),
            env={**os.environ, **system.env, "TRACKER_SERVICE_PROVIDER": "file"},
            cwd=traefik.WORKING_DIR,
            stdout=(system.root / "logs" / "open-traefik.log").open("ab"),
            stderr=subprocess.STDOUT,
        )
        self.url = f"http://127.0.0.1:{port}"
        if not wait_until_routed(self.url, paths=("/db-check", "/redis-check", "/feed-check")):
            self.stop()
            raise TimeoutError("the gateway without key check never routed to every service")

    @property
    def process(self) -> psutil.Process:
        return psutil.Process(self._process.pid)

    def stop(self) -> None:
        self._process.terminate()
        self._process.wait(timeout=30)


def three_paths(system: System, *, runs: int, seconds: float, rate: float) -> list[Row]:
    """The same fleet at `rate`: straight to ingest, through Traefik's routes without the key
    check, and through the gateway as shipped."""
    rows = []
    direct = _medians(
        runs,
        lambda: _measure(
            system, system.services["ingest"].url, system.identity, rate=rate, seconds=seconds
        ),
    )
    open_gateway = OpenGateway(system)
    try:
        # The gateway as shipped is not measured meanwhile: only the open one is watched.
        without_key_check = _medians(
            runs,
            lambda: _measure(
                system,
                open_gateway.url,
                system.headers,
                rate=rate,
                seconds=seconds,
                gateway=open_gateway.process,
            ),
        )
    finally:
        open_gateway.stop()
    shipped = _medians(
        runs,
        lambda: _measure(system, system.gateway_url, system.headers, rate=rate, seconds=seconds),
    )
    for label, (figures, cpu, sockets), through_traefik in (
        ("straight to ingest", direct, False),
        ("Traefik's routes without the key check", without_key_check, True),
        ("the gateway as shipped (key check inside Traefik)", shipped, True),
    ):
        gateway_cpu = (
            f", Traefik {figures['gateway_cpu'] * 1e3:.2f} ms CPU per webhook"
            if through_traefik
            else ""
        )
        rows.append(
            Row(
                f"fleet at {rate:,.0f}/s ({LOAD}, {seconds:.0f} s): {label}",
                f"{_answers(figures)}{gateway_cpu}; TIME-WAIT at the end: {sockets}",
                cpu=cpu,
            )
        )
    return rows


def sustained(system: System, *, runs: int, seconds: float, rate: float) -> list[Row]:
    """The gateway as shipped at `rate` for `seconds`: tail latency, errors, sockets and CPU."""
    figures, cpu, sockets = _medians(
        runs,
        lambda: _measure(system, system.gateway_url, system.headers, rate=rate, seconds=seconds),
    )
    bounded = not figures["sockets_grew"]
    return [
        Row(
            f"through the gateway, {rate:,.0f}/s for {_duration(seconds)} ({LOAD})",
            f"{_answers(figures)}; TIME-WAIT at the end (peak): {sockets}",
            "p99 ≤ 25 ms, 0 not 2xx, internal sockets bounded",
            figures["p99"] <= 0.025 and not figures["failed"] and bounded,
            cpu,
        ),
        Row(
            f"gateway CPU per webhook (Traefik with its key check) at {rate:,.0f}/s",
            f"{figures['gateway_cpu'] * 1e3:.2f} ms",
            f"≤ {GATEWAY_CPU_TARGET * 1e3:.2f} ms",
            figures["gateway_cpu"] <= GATEWAY_CPU_TARGET,
        ),
    ]


def highest_rate(
    system: System,
    *,
    runs: int,
    seconds: float,
    start: float,
    step: float,
    ceiling: float,
    limit: float = 0.050,
) -> list[Row]:
    """The highest rate through the gateway answered with p99 ≤ `limit` and no errors, in steps
    of `step` from `start` up to `ceiling`; the median of `runs` searches."""
    found: list[float] = []
    texts: list[str] = []
    for _ in range(runs):
        rate, held, detail = start, 0.0, ""
        while True:
            figures, _, _ = _measure(
                system, system.gateway_url, system.headers, rate=rate, seconds=seconds
            )
            detail += f"{rate:,.0f}/s: p99 {ms(figures['p99'])}, {figures['failed']:.0f} not 2xx; "
            if figures["p99"] > limit or figures["failed"]:
                break
            if rate + step > ceiling:
                held = rate
                break
            held, rate = rate, rate + step
        found.append(held)
        texts.append(detail.rstrip("; "))
    found_sorted = sorted(found)
    median = found_sorted[len(found_sorted) // 2]

    def held_rate(held: float) -> str:
        return per_second(held) if held else f"below {per_second(start)}"

    return [
        Row(
            f"highest rate through the gateway with p99 ≤ {limit * 1e3:.0f} ms "
            f"({LOAD}, {seconds:.0f} s per step)",
            f"{held_rate(median)} (runs: {', '.join(held_rate(r) for r in found)}); "
            f"one search: {texts[found.index(median)]}",
            "≥ 3,000/s",
            median >= 3_000,
        )
    ]


def to_dashboards(
    system: System, *, runs: int, seconds: float, rate: float, dashboards: int = 10
) -> list[Row]:
    """Webhook posted through the gateway → WebSocket message at each of `dashboards`."""
    project = "bench-fleet-live"
    cpu_texts = []

    def once() -> dict[str, float]:
        _settle(system)
        feed = Dashboards(feed_url(system, system.ws_url, project), dashboards, seconds + 10)
        started = time.monotonic()
        with measured(system.processes()) as cpu:
            result: FleetResult = run_fleet(
                system.gateway_url,
                system.headers,
                rate=rate,
                seconds=seconds,
                project=project,
                stamp=True,
            )
            arrivals = feed.arrivals()
        cpu.percent["dashboards"] = 100 * arrivals.cpu_seconds / (time.monotonic() - started)
        cpu_texts.append(cpu.describe())
        latencies = [
            received - result.due[event_id]
            for event_id, times in arrivals.times.items()
            if event_id in result.due
            for received in times
        ]
        return {
            "p50": percentile(latencies, 0.50),
            "p99": percentile(latencies, 0.99),
            "missed": result.answered_2xx * dashboards - len(latencies),
            "failed": result.failed,
        }

    figures = median_of_runs(runs, once)
    return [
        Row(
            f"webhook → WebSocket through the gateway, {rate:,.0f}/s ({LOAD}), "
            f"{dashboards} dashboards, {seconds:.0f} s",
            f"p50 {ms(figures['p50'])}, p99 {ms(figures['p99'])}, "
            f"{figures['missed']:.0f} missed, {figures['failed']:.0f} not 2xx",
            "p50 ≤ 5 ms, p99 ≤ 25 ms",
            figures["p50"] <= 0.005 and figures["p99"] <= 0.025 and not figures["missed"],
            cpu_texts[len(cpu_texts) // 2],
        )
    ]

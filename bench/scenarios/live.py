"""The live feed: how soon dashboards see an event, how many they can follow, what they cost."""

import time
from dataclasses import dataclass
from urllib.parse import urlencode

import psutil

from ..cpu import measured
from ..dashboards import Arrivals, Dashboards
from ..load import BackgroundLoad, Sent
from ..report import Row, median_of_runs, ms, per_second, percentile
from ..system import System


@dataclass(frozen=True)
class Delivery:
    latencies: list[float]
    expected: int
    delivered: int
    closed_early: int


def feed_url(system: System, base: str, project: str) -> str:
    return f"{base}/webhook/ws?{urlencode({'api_key': system.api_key, 'project': project})}"


def _delivery(sent: Sent, arrivals: Arrivals, dashboards: int) -> Delivery:
    latencies = [
        received - sent.due[event_id]
        for event_id, times in arrivals.times.items()
        if event_id in sent.due
        for received in times
    ]
    return Delivery(latencies, sent.ok * dashboards, len(latencies), arrivals.closed_early)


def _follow_while_sending(
    system: System,
    *,
    dashboards: int,
    processes: int,
    rate: float,
    seconds: float,
    project: str,
) -> tuple[Delivery, str]:
    feed = Dashboards(feed_url(system, system.ws_url, project), dashboards, seconds + 5, processes)
    started = time.monotonic()
    with measured(system.processes()) as cpu:
        load = BackgroundLoad(
            system.gateway_url, system.headers, rate, seconds, project=project, stamp=True
        )
        sent = load.result()
        arrivals = feed.arrivals()
    # The dashboard processes have ended by now: they tell what they spent themselves.
    cpu.percent["dashboards"] = 100 * arrivals.cpu_seconds / (time.monotonic() - started)
    return _delivery(sent, arrivals, dashboards), cpu.describe()


def fan_out(
    system: System, *, runs: int, seconds: float, clients: int, deliveries: float
) -> list[Row]:
    """Deliveries per second to many clients in several processes, through the gateway."""
    cpu_texts = []
    rate = deliveries / clients

    def once() -> dict[str, float]:
        delivery, cpu = _follow_while_sending(
            system, dashboards=clients, processes=4, rate=rate, seconds=seconds, project="fan"
        )
        cpu_texts.append(cpu)
        return {
            "rate": delivery.delivered / seconds,
            "p99": percentile(delivery.latencies, 0.99),
            "missing": delivery.expected - delivery.delivered,
            "closed": delivery.closed_early,
        }

    figures = median_of_runs(runs, once)
    return [
        Row(
            f"realtime: {rate:g} events/s to {clients:,} clients",
            f"{per_second(figures['rate'])} deliveries, p99 {ms(figures['p99'])}, "
            f"{figures['missing']:.0f} missed, {figures['closed']:.0f} clients dropped",
            "≥ 20,000/s, p99 ≤ 100 ms",
            figures["rate"] >= 20_000 and figures["p99"] <= 0.100,
            cpu_texts[len(cpu_texts) // 2],
        )
    ]


def idle_connections(system: System, *, connections: int) -> list[Row]:
    """Idle WebSocket connections one realtime process holds, and its memory."""
    realtime = psutil.Process(system.services["realtime"].pid)
    before = realtime.memory_info().rss
    url = feed_url(system, system.services["realtime"].url.replace("http", "ws", 1), "idle")
    started = time.monotonic()
    holders = Dashboards(url, connections, seconds=5, processes=4, headers=system.identity)
    opened = time.monotonic() - started
    held = realtime.memory_info().rss
    arrivals = holders.arrivals()
    kept = connections - arrivals.closed_early
    return [
        Row(
            f"realtime: {connections:,} idle connections in one process",
            f"{kept:,} held, RSS {held / 2**20:.0f} MiB "
            f"({(held - before) / connections / 1024:.0f} KiB each), opened in {opened:.0f} s",
            "10,000 in ≤ 1 GiB",
            kept == connections and held <= 2**30,
        )
    ]

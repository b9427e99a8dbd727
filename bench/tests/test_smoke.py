"""The benchmarks at tiny sizes, so that they keep working; figures are not judged here.

Each group runs on its own (`python -m bench --quick --only GROUP`), so that the groups can run
side by side; every group is run, and each has the rows it must report.
"""

import re
import subprocess
import sys
from pathlib import Path

import pytest

from bench.__main__ import BENCHMARKS

EXPECTED_ROWS = {
    "gateway": (
        "through the gateway, 50/s for 3 s",
        "gateway CPU per webhook",
        "highest rate through the gateway with p99 ≤ 50 ms",
        "webhook → WebSocket through the gateway",
        "s): straight to ingest",
        "s): Traefik's routes without the key check",
        "s): the gateway as shipped",
    ),
    "ingest": (
        "ingest direct, one process",
        "ingest through the gateway (50 connections, one task, folded)",
        "batch ingest through the gateway",
        "OTLP logs through the gateway (512 Claude Code api_request records",
        "batch webhooks through the gateway (512 statuses with usage and event ids",
        "ingest through the gateway, 0 dashboards following",
        "ingest through the gateway, 2 dashboards following",
        "realtime: 12.5 events/s to 8 clients",
        "realtime: 20 idle connections in one process",
        "recovery: kill -9 of the consumer",
    ),
    "queries": (
        "stats: /api/stats (2,000 tasks, nothing else running",
        "stats: /api/stats (2,000 tasks, 50 events/s",
        "stats: one project and agent",
        "stats: started in the last 24 h",
        "list: project, failed, 50 per page",
        "list: all projects, one agent, longest first",
        "list: title search",
    ),
    "apply": ("apply: 500 events from a full stream",),
    "dashboard": (
        "dashboard: overview (/) first load",
        "dashboard: big-project board first load",
        "dashboard: statistics (/stats) first load",
        "dashboard: overview (/) under 100 statuses/s",
        "dashboard: big-project board under 100 statuses/s",
        "dashboard: statistics (/stats) under 100 statuses/s",
    ),
}
OTHER_ROWS = {"queries": 5}
"""Rows reported beyond the expected ones: the other queries, also measured twice."""


def test_every_benchmark_group_is_smoke_tested() -> None:
    assert set(EXPECTED_ROWS) == set(BENCHMARKS)


@pytest.mark.timeout(600)
@pytest.mark.parametrize("group", list(BENCHMARKS))
def test_every_benchmark_runs_and_reports_a_figure(group: str, tmp_path: Path) -> None:
    report = tmp_path / "benchmarks.md"
    finished = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--only", group, "--output", str(report)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert finished.returncode == 0, finished.stderr[-3000:]
    rows = {
        line.split("|")[1].strip(): line
        for line in report.read_text().splitlines()
        if line.startswith("| ") and not line.startswith("| benchmark")
    }
    expected_rows = EXPECTED_ROWS[group]
    for expected in expected_rows:
        matching = [row for name, row in rows.items() if expected in name]
        assert matching, f"no row for {expected!r} in:\n{finished.stdout}"
        result = matching[0].split("|")[2]
        assert re.search(r"\d", result), f"no figure in {matching[0]!r}"
    assert len(rows) == len(expected_rows) + OTHER_ROWS.get(group, 0)
    for name, row in rows.items():
        if name.startswith("webhook → WebSocket"):
            assert " 0 missed" in row, "dashboards missed events"
            assert " 0 not 2xx" in row
        for path in ("straight to ingest", "without the key check", "the gateway as shipped"):
            if path in name:
                assert " 0 not 2xx" in row, path
        if name.startswith("realtime: 20 idle"):
            assert "20 held" in row
        if name.startswith("dashboard: ") and " under " in name:
            assert " 0 not 2xx" in row, name
            assert "page got 0 feed" not in row, f"the page never heard of the load: {row}"

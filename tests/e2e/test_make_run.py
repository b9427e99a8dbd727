"""`make run` with a port it needs already taken: a clear refusal, nothing started; and a
replica killed under `make run`: started again while the rest serves."""

import os
import re
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import psutil

from tests.factories import body
from tests.waiting import eventually
from tracker_contracts import EventKind
from tracker_localstack.__main__ import REPLICA_PORT_STEP
from tracker_localstack.ports import free_port

from .newcomer import PORT_SETTINGS, ROOT, fresh_shell_env, make_run


def test_a_busy_port_is_named_with_its_holder_and_setting(tmp_path: Path) -> None:
    ports = {name: free_port() for name in PORT_SETTINGS}
    with socket.socket() as holder:
        holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        holder.bind(("127.0.0.1", ports["EMBEDDED_REDIS_PORT"]))
        holder.listen()
        env = fresh_shell_env(
            LOCAL_DATA_DIR=str(tmp_path), **{name: str(port) for name, port in ports.items()}
        )
        result = subprocess.run(
            [sys.executable, "-m", "tracker_localstack", "run"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
    busy = f"127.0.0.1:{ports['EMBEDDED_REDIS_PORT']}"
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert f"{busy} " in result.stderr
    assert "embedded Redis" in result.stderr
    assert f"(pid {os.getpid()})" in result.stderr  # this very process holds the port
    assert "EMBEDDED_REDIS_PORT=" in result.stderr
    assert not (tmp_path / "postgres").exists(), "nothing starts when a port is taken"


def test_a_killed_replica_is_started_again_while_the_rest_serves(tmp_path: Path) -> None:
    with make_run(tmp_path, INGEST_REPLICAS="2") as newcomer:
        gateway = f"http://127.0.0.1:{newcomer.gateway_port}"
        key = {"X-API-Key": (tmp_path / "api-key").read_text().strip()}
        port = newcomer.ports["INGEST_PORT"] + REPLICA_PORT_STEP  # ingest.2
        victim = _listening_on(port)
        assert victim is not None
        victim.kill()
        victim.wait(timeout=30)
        answers: list[int | None] = []

        def started_again() -> psutil.Process | None:
            """Once ingest.2 listens again, after a webhook sent through the gateway."""
            try:
                answers.append(
                    httpx.post(
                        f"{gateway}/webhook/start", json=body(EventKind.START), headers=key
                    ).status_code
                )
            except httpx.TransportError:
                answers.append(None)
            again = _listening_on(port)
            return again if again is not None and again.pid != victim.pid else None

        again = eventually(started_again, within=60, interval=0.05)
        said = newcomer.output
        assert re.search(
            rf"ingest\.2 \(pid {victim.pid}\) was killed by SIGKILL after [\d.]+ s: "
            "restarting it in 1 s, the rest keeps running",
            said,
        ), said[-3000:]
        assert "restarting ingest.2" in said
        assert f"ingest.2 started (pid={again.pid})" in said
        # Meanwhile every webhook was accepted, by the other replica. How many were sent while
        # ingest.2 was away depends on the machine's speed; a few are enough to have had turns
        # routed to it before the gateway's health check took it out.
        assert set(answers) == {202}, answers
        assert len(answers) >= 4, answers

        def healthy() -> dict[str, Any] | None:
            answer: dict[str, Any] = httpx.get(f"{gateway}/health").json()
            return answer if answer["status"] == "ok" else None

        replicas = eventually(healthy, within=120)["replicas"]
        assert replicas["ingest.2"] == {"ingest": "ok", "redis": "ok"}


def _listening_on(port: int) -> psutil.Process | None:
    for connection in psutil.net_connections(kind="tcp"):
        if connection.status == psutil.CONN_LISTEN and connection.laddr.port == port:
            return psutil.Process(connection.pid)
    return None

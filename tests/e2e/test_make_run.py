"""`make run` with a port it needs already taken: a clear refusal, nothing started."""

import os
import socket
import subprocess
import sys
from pathlib import Path

from tracker_localstack.ports import free_port

from .newcomer import PORT_SETTINGS, ROOT, fresh_shell_env


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

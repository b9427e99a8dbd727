"""The supervisor of `make run`: a process that dies is started again, the others keep running,
and a stop signal stops everything."""

import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psutil

from tests.waiting import eventually

# Backoff of 0.2 s, doubling up to 0.8 s; a process that ran 5 s had started well.
SUPERVISED = """
import sys
from tracker_localstack.supervisor import Backoff, Supervisor

python = [sys.executable, "-c"]
supervisor = Supervisor(backoff=Backoff(first=0.2, longest=0.8, steady=5))
supervisor.add_process("steady", [*python, "import time; print('up', flush=True); time.sleep(600)"])
supervisor.add_process("victim", [*python, "import time; time.sleep(600)"])
supervisor.add_process("crasher", [*python, "import sys; print('no luck'); sys.exit(3)"])
sys.exit(supervisor.loop())
"""


@contextmanager
def supervising(output: Path) -> Iterator[subprocess.Popen[bytes]]:
    with output.open("wb") as sink:
        runner = subprocess.Popen(
            [sys.executable, "-c", SUPERVISED], stdout=sink, stderr=subprocess.STDOUT
        )
    try:
        yield runner
    finally:
        if runner.poll() is None:
            runner.kill()
            runner.wait()


def pids(output: Path, name: str) -> list[int]:
    return [int(pid) for pid in re.findall(rf"{name} started \(pid=(\d+)\)", output.read_text())]


def test_a_killed_process_is_started_again_and_the_rest_keeps_running(tmp_path: Path) -> None:
    output = tmp_path / "output"
    with supervising(output) as runner:
        first = eventually(lambda: pids(output, "victim"))[0]
        steady = eventually(lambda: pids(output, "steady"))
        os.kill(first, signal.SIGKILL)
        again = eventually(lambda: pids(output, "victim")[1:])[0]
        text = output.read_text()
        assert re.search(
            rf"victim \(pid {first}\) was killed by SIGKILL after [\d.]+ s: restarting it in 0.2 s",
            text,
        ), text
        assert "restarting victim" in text
        assert psutil.pid_exists(again)
        assert pids(output, "steady") == steady
        assert psutil.pid_exists(steady[0])
        assert runner.poll() is None


def test_a_process_crashing_at_start_waits_longer_each_time_up_to_a_bound(tmp_path: Path) -> None:
    output = tmp_path / "output"
    with supervising(output):
        eventually(lambda: len(pids(output, "crasher")) >= 5, within=30)
    text = output.read_text()
    crashes = r"crasher \(pid \d+\) exited with code 3 .*restarting it in ([\d.]+) s"
    delays = re.findall(crashes, text)
    assert delays[:4] == ["0.2", "0.4", "0.8", "0.8"], text
    assert "crasher | no luck" in text
    assert "it crashed at start 3 times in a row" in text
    assert len(pids(output, "steady")) == 1


def test_sigterm_or_ctrl_c_stops_every_process_and_no_restart_follows(tmp_path: Path) -> None:
    for number, code in ((signal.SIGTERM, 143), (signal.SIGINT, 130)):
        output = tmp_path / f"output-{number.name}"
        with supervising(output) as runner:
            started = eventually(lambda: pids(output, "steady") + pids(output, "victim"))
            runner.send_signal(number)
            assert runner.wait(timeout=30) == code
        text = output.read_text()
        assert f"{number.name} received: stopping everything" in text
        assert not any(psutil.pid_exists(pid) for pid in started)
        after_stop = text.split("stopping everything", 1)[1]
        assert "restarting" not in after_stop
        assert "started (pid=" not in after_stop

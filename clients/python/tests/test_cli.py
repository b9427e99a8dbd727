"""The command line while the tracker is down: usage, spooling, and the `run` wrapper."""

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from agent_tracker._cli import main

CLI = [sys.executable, "-m", "agent_tracker"]


def cli(env: dict[str, str], *args: str, **options: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=30,
        **options,  # type: ignore[call-overload]
    )


def spooled(env: dict[str, str]) -> list[dict[str, object]]:
    path = Path(env["AGENT_TRACKER_STATE_DIR"]) / "spool.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()]


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["status", "--task-id", "t", "--progress", "140"], "--progress"),
        (["status", "--task-id", "t", "--progress", "half"], "--progress"),
        (["status", "--progress", "40"], "--task-id"),
        (["start", "--task", "T", "--metadata", "[1]"], "--metadata"),
        (["start", "--task", "T", "--metadata", "{oops"], "--metadata"),
        (["start"], "--task"),
        (["error", "--task-id", "t"], "--message"),
        (["status", "--task-id", "t", "--status", "completed"], "--status"),
        (["run"], "command"),
        (["start", "--task", "T", "--url", "tracker:8000"], "http://"),
    ],
)
def test_usage_errors_exit_2_and_name_the_problem(
    offline_env: dict[str, str],
    args: list[str],
    named: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for name, value in offline_env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(SystemExit) as exit_:
        main(args)
    assert exit_.value.code == 2
    assert named in capsys.readouterr().err


def test_a_missing_project_is_a_usage_error(
    offline_env: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.delenv("AGENT_TRACKER_PROJECT", raising=False)
    monkeypatch.setenv("AGENT_TRACKER_STATE_DIR", offline_env["AGENT_TRACKER_STATE_DIR"])
    with pytest.raises(SystemExit) as exit_:
        main(["start", "--task", "T"])
    assert exit_.value.code == 2
    assert "AGENT_TRACKER_PROJECT" in capsys.readouterr().err


def test_calls_succeed_while_the_tracker_is_down(offline_env: dict[str, str]) -> None:
    first = cli(offline_env, "start", "--task", "Offline work")
    task_id = first.stdout.strip()
    second = cli(offline_env, "status", "--task-id", task_id, "--progress", "40", "--message", "m")
    third = cli(offline_env, "finish", "--task-id", task_id, "--result", "ok")
    assert [first.returncode, second.returncode, third.returncode] == [0, 0, 0]
    assert task_id.startswith("task-")
    assert "spool.jsonl" in second.stderr
    assert "test-key" not in first.stderr + second.stderr + third.stderr
    events = spooled(offline_env)
    assert [event["kind"] for event in events] == ["start", "status", "finish"]
    # later commands found the title and start time that `start` remembered
    assert {event["body"]["task"] for event in events} == {"Offline work"}
    assert events[2]["body"]["duration_seconds"] >= 0
    assert "test-key" not in json.dumps(events)


def test_run_passes_the_exit_code_output_and_input_through(offline_env: dict[str, str]) -> None:
    script = "import sys; print(sys.stdin.read().upper()); sys.exit(7)"
    result = cli(offline_env, "run", "--", sys.executable, "-c", script, input="hello")
    assert result.returncode == 7
    assert result.stdout == "HELLO\n"
    kinds = [event["kind"] for event in spooled(offline_env)]
    assert kinds == ["start", "error"]


def test_run_reports_the_tail_of_a_long_stderr(offline_env: dict[str, str]) -> None:
    script = (
        "import sys\n"
        "for n in range(2000): print(f'line {n}', file=sys.stderr)\n"
        "print('the real cause', file=sys.stderr); sys.exit(3)"
    )
    result = cli(offline_env, "run", "--heartbeat", "0", "--", sys.executable, "-c", script)
    assert result.returncode == 3
    assert "line 0\n" in result.stderr  # echoed in full
    error = spooled(offline_env)[-1]["body"]
    assert error["error_type"] == "CommandFailed"
    assert error["metadata"]["exit_code"] == 3
    assert error["error_message"].startswith(f"{sys.executable} -c")
    assert "exited with code 3" in error["error_message"]
    assert error["stack_trace"].endswith("the real cause")
    assert len(error["stack_trace"].encode()) <= 4096
    assert "line 0\n" not in error["stack_trace"]


def test_run_sends_heartbeats_while_the_command_works(offline_env: dict[str, str]) -> None:
    # Ten beats' time: two of them arrive even when the machine is busy.
    script = "import time; time.sleep(3)"
    result = cli(offline_env, "run", "--heartbeat", "0.3", "--", sys.executable, "-c", script)
    assert result.returncode == 0
    kinds = [event["kind"] for event in spooled(offline_env)]
    assert kinds[0] == "start"
    assert kinds[-1] == "finish"
    assert kinds.count("status") >= 2


def test_run_forwards_sigterm_to_the_command(offline_env: dict[str, str]) -> None:
    script = (
        "import signal, sys, time\n"
        "signal.signal(signal.SIGTERM, lambda *_: sys.exit(42))\n"
        "print('ready', flush=True)\n"
        "time.sleep(30)"
    )
    process = subprocess.Popen(
        [*CLI, "run", "--heartbeat", "0", "--", sys.executable, "-c", script],
        env={**os.environ, **offline_env},
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert process.stdout is not None
    assert process.stdout.readline() == "ready\n"
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=20) == 42
    assert spooled(offline_env)[-1]["body"]["metadata"]["exit_code"] == 42


def test_run_reports_a_command_that_does_not_exist(offline_env: dict[str, str]) -> None:
    result = cli(offline_env, "run", "--", "no-such-command-anywhere")
    assert result.returncode == 127
    assert spooled(offline_env)[-1]["body"]["error_type"] == "CommandNotFound"

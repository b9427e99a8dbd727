"""The agent-tracker CLI against the whole system behind the real gateway."""

import json
import shlex
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from websockets.sync.client import ClientConnection, connect

from .agent_side import agent_env, cli, closed_port_url, kinds, new_project, task_with
from .conftest import Stack

FAILING = (
    "import sys\n"
    "print('compiling', file=sys.stderr)\n"
    "print('error: missing semicolon', file=sys.stderr)\n"
    "sys.exit(3)"
)


@contextmanager
def following(stack: Stack, project: str) -> Iterator[ClientConnection]:
    query = f"api_key={stack.keys['dashboard']}&project={project}"
    with connect(f"{stack.ws_url}/webhook/ws?{query}", open_timeout=10) as websocket:
        websocket.send("ping")  # answered once the connection follows the project
        while websocket.recv(timeout=10) != "pong":
            pass
        yield websocket


def next_of_type(websocket: ClientConnection, kind: str) -> dict[str, Any]:
    while True:
        message = json.loads(websocket.recv(timeout=15))
        if message["type"] == kind:
            return message


def test_start_status_finish_and_error_commands(stack: Stack, tmp_path: Path) -> None:
    project = new_project()
    env = agent_env(stack, project, tmp_path)
    started = cli(env, "start", "--task", "Build feature", "--metadata", '{"branch": "main"}')
    assert started.returncode == 0, started.stderr
    task_id = started.stdout.strip()
    for args in (
        ["status", "--task-id", task_id, "--progress", "40", "--message", "compiling"],
        ["status", "--task-id", task_id, "--status", "paused", "--message", "waiting for review"],
        ["finish", "--task-id", task_id, "--result", "merged"],
    ):
        result = cli(env, *args)
        assert (result.returncode, result.stderr) == (0, "")

    task = task_with(stack, project, task_id, "completed", 4)
    assert kinds(task) == ["start", "status", "status", "finish"]
    assert task["title"] == "Build feature"
    assert task["agent"] == "e2e-agent"
    assert task["metadata"] == {"branch": "main"}
    assert task["result"] == "merged"
    assert task["duration_seconds"] is not None
    progress = task["events"][1]["payload"]
    assert (progress["progress"], progress["message"]) == (40, "compiling")
    assert task["events"][2]["payload"]["status"] == "paused"

    failed = cli(env, "start", "--task", "Import data", "--task-id", "import-1")
    assert failed.stdout.strip() == "import-1"
    result = cli(
        env,
        *("error", "--task-id", "import-1", "--type", "ValueError", "--message", "bad row 7"),
        *("--stack-trace-file", "-"),
        stdin="Traceback (most recent call last):\n  ...\nValueError: bad row 7\n",
    )
    assert result.returncode == 0, result.stderr
    task = task_with(stack, project, "import-1", "failed", 2)
    assert (task["error_type"], task["error_message"]) == ("ValueError", "bad row 7")
    assert task["stack_trace"].endswith("ValueError: bad row 7\n")


def test_run_reports_a_succeeding_command(stack: Stack, tmp_path: Path) -> None:
    project = new_project()
    env = agent_env(stack, project, tmp_path)
    result = cli(env, "run", "--task-id", "ok-1", "--", sys.executable, "-c", "print('built')")
    assert result.returncode == 0
    assert result.stdout == "built\n"
    task = task_with(stack, project, "ok-1", "completed", 2)
    assert kinds(task) == ["start", "finish"]
    assert task["metadata"]["exit_code"] == 0
    assert task["metadata"]["command"] == shlex.join([sys.executable, "-c", "print('built')"])
    assert task["duration_seconds"] > 0


def test_a_failing_run_is_failed_with_exit_code_and_stderr_in_the_api_and_live(
    stack: Stack, tmp_path: Path
) -> None:
    project = new_project()
    env = agent_env(stack, project, tmp_path)
    with following(stack, project) as websocket:
        result = cli(env, "run", "--task-id", "fail-1", "--", sys.executable, "-c", FAILING)
        live = next_of_type(websocket, "task_error")

    assert result.returncode == 3
    assert "error: missing semicolon" in result.stderr  # the command's stderr still shows
    assert live["data"]["task_id"] == "fail-1"
    assert live["data"]["status"] == "failed"
    assert live["data"]["error_type"] == "CommandFailed"
    assert "exited with code 3" in live["data"]["error_message"]
    assert live["data"]["error_message"].endswith("compiling\nerror: missing semicolon")

    task = task_with(stack, project, "fail-1", "failed", 2)
    assert "exited with code 3" in task["error_message"]
    assert task["stack_trace"] == "compiling\nerror: missing semicolon"
    assert task["metadata"]["exit_code"] == 3


def test_fifty_calls_while_the_tracker_is_down_arrive_in_order_once(
    stack: Stack, tmp_path: Path
) -> None:
    project = new_project()
    down = {**agent_env(stack, project, tmp_path), "AGENT_TRACKER_URL": closed_port_url()}
    calls = [
        ["start", "--task-id", "offline-1", "--task", "Work while offline"],
        *(["status", "--task-id", "offline-1", "--progress", str(n)] for n in range(1, 49)),
        ["finish", "--task-id", "offline-1", "--result", "done offline"],
    ]
    for args in calls:
        result = cli(down, *args)
        assert result.returncode == 0, result.stderr
        assert "kept in" in result.stderr
    spooled = [json.loads(line) for line in (tmp_path / "spool.jsonl").read_text().splitlines()]
    assert len(spooled) == 50

    flushed = cli(agent_env(stack, project, tmp_path), "flush")
    assert flushed.stdout == "delivered 50, refused 0, waiting 0\n"
    again = cli(agent_env(stack, project, tmp_path), "flush")
    assert again.stdout == "delivered 0, refused 0, waiting 0\n"

    task = task_with(stack, project, "offline-1", "completed", 50)
    assert [event["event_id"] for event in task["events"]] == [
        entry["body"]["event_id"] for entry in spooled
    ]
    arrivals = [event["received_at"] for event in task["events"]]
    assert arrivals == sorted(arrivals)  # delivered in the order they happened
    assert [event["payload"].get("progress") for event in task["events"][1:-1]] == list(
        range(1, 49)
    )
    assert task["title"] == "Work while offline"


def test_the_next_call_delivers_what_waited_before_its_own(stack: Stack, tmp_path: Path) -> None:
    project = new_project()
    up = agent_env(stack, project, tmp_path)
    down = {**up, "AGENT_TRACKER_URL": closed_port_url()}
    cli(down, "start", "--task-id", "later-1", "--task", "Flaky network")
    cli(down, "status", "--task-id", "later-1", "--progress", "60")
    result = cli(up, "finish", "--task-id", "later-1")
    assert (result.returncode, result.stderr) == (0, "")
    assert not (tmp_path / "spool.jsonl").exists()
    task = task_with(stack, project, "later-1", "completed", 3)
    assert kinds(task) == ["start", "status", "finish"]


def test_refused_events_are_reported_and_not_spooled(stack: Stack, tmp_path: Path) -> None:
    project = new_project()
    env = agent_env(stack, project, tmp_path)
    too_long = cli(env, "status", "--task-id", "x" * 129, "--progress", "5")
    assert too_long.returncode == 1
    assert "HTTP 422: task_id" in too_long.stderr
    wrong_key = cli({**env, "AGENT_TRACKER_API_KEY": "not-a-key"}, "start", "--task", "T")
    assert wrong_key.returncode == 1
    assert "HTTP 401" in wrong_key.stderr
    assert "not-a-key" not in wrong_key.stderr
    assert not (tmp_path / "spool.jsonl").exists()


def test_usage_flags_add_up_in_the_task(stack: Stack, tmp_path: Path) -> None:
    project = new_project()
    env = agent_env(stack, project, tmp_path)
    task_id = cli(env, "start", "--task", "Spend").stdout.strip()
    model = ["--model", "claude-sonnet-4-5"]
    for args in (
        ["status", "--task-id", task_id, *model, "--input-tokens", "1200", "--cost", "0.01"],
        ["finish", "--task-id", task_id, *model, "--output-tokens", "340", "--cost", "0.02"],
    ):
        result = cli(env, *args)
        assert (result.returncode, result.stderr) == (0, "")
    task = task_with(stack, project, task_id, "completed", 3)
    assert task["usage"] == {
        "input_tokens": 1200,
        "output_tokens": 340,
        "cache_read_tokens": 0,
        "cache_write_tokens": 0,
        "cost": {"USD": 0.03},
    }

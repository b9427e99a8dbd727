"""Every recipe in scripts/, run for real against the whole system."""

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import yaml

from .agent_side import (
    AGENT_TRACKER,
    REPOSITORY,
    agent_env,
    kinds,
    new_project,
    task_with,
)
from .conftest import Stack

SCRIPTS = REPOSITORY / "scripts"


def run(
    command: list[str], env: dict[str, str], **options: Any
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=60, **options)


def test_curl_recipe(stack: Stack, tmp_path: Path) -> None:
    project = new_project()
    env = {**agent_env(stack, project, tmp_path), "AGENT_TRACKER_TASK_ID": "curl-1"}
    env["AGENT_TRACKER_TASK"] = 'Deploy "blue" \\ green'
    script = str(SCRIPTS / "curl" / "tracker.sh")
    for args in (["start"], ["status", "50", "line one\nline two"], ["finish", "deployed"]):
        result = run(["bash", script, *args], env)
        assert result.returncode == 0, result.stderr
        assert '"event_id"' in result.stdout
    task = task_with(stack, project, "curl-1", "completed", 3)
    assert task["title"] == 'Deploy "blue" \\ green'
    assert task["events"][1]["payload"]["message"] == "line one\nline two"
    assert task["result"] == "deployed"

    env["AGENT_TRACKER_TASK_ID"] = "curl-2"
    run(["bash", script, "start"], env)
    result = run(["bash", script, "error", "DeployFailed", "target unreachable"], env)
    assert result.returncode == 0, result.stderr
    task = task_with(stack, project, "curl-2", "failed", 2)
    assert (task["error_type"], task["error_message"]) == ("DeployFailed", "target unreachable")


def test_python_recipe(stack: Stack, tmp_path: Path) -> None:
    project = new_project()
    result = run(
        [sys.executable, str(SCRIPTS / "python" / "report_task.py")],
        agent_env(stack, project, tmp_path),
    )
    assert result.returncode == 0, result.stderr
    process, summary, index, failed = result.stdout.split()
    assert kinds(task_with(stack, project, process, "completed", 3)) == [
        "start",
        "status",
        "finish",
    ]
    assert task_with(stack, project, summary, "completed", 4)["title"] == "Summarise the inputs"
    assert task_with(stack, project, index, "completed", 3)["title"] == "Index documents"
    assert task_with(stack, project, failed, "failed", 2)["error_type"] == "RuntimeError"


def test_node_recipe(stack: Stack, tmp_path: Path) -> None:
    project = new_project()
    result = run(
        ["node", str(SCRIPTS / "node" / "example.mjs")], agent_env(stack, project, tmp_path)
    )
    assert result.returncode == 0, result.stderr
    built, deployed = result.stdout.split()
    task = task_with(stack, project, built, "completed", 3)
    assert task["agent"] == "node-example"
    assert task["events"][1]["payload"]["progress"] == 50
    failed = task_with(stack, project, deployed, "failed", 2)
    assert (failed["error_type"], failed["error_message"]) == ("TypeError", "no target configured")
    assert "example.mjs" in failed["stack_trace"]


def test_claude_code_hooks(stack: Stack, tmp_path: Path) -> None:
    project = new_project()
    env = agent_env(stack, project, tmp_path)
    del env["AGENT_TRACKER_PROJECT"], env["AGENT_TRACKER_AGENT"]  # from the hook's own input
    env["AGENT_TRACKER_CLI"] = AGENT_TRACKER
    workdir = tmp_path / project
    settings = json.loads((SCRIPTS / "claude-code" / "settings.json").read_text())
    common = {"session_id": "session-1", "transcript_path": "/tmp/t.jsonl", "cwd": str(workdir)}
    permission = "Claude needs your permission to use Bash"
    idle = "Claude is waiting for your input"
    # A recorded session: a prompt, a tool, a permission prompt, the tool it allowed, the end of
    # the turn, Claude Code's idle prompt a minute later, the next prompt, the end.
    hook_inputs = [
        {"hook_event_name": "SessionStart", "source": "startup"},
        {"hook_event_name": "UserPromptSubmit", "prompt": "Fix the failing test"},
        {
            "hook_event_name": "PostToolUse",
            "tool_name": "Bash",
            "tool_input": {"command": "pytest -x"},
            "tool_response": {},
        },
        {
            "hook_event_name": "Notification",
            "message": permission,
            "notification_type": "permission_prompt",
        },
        {
            "hook_event_name": "PostToolUse",
            "tool_name": "Bash",
            "tool_input": {"command": "rm -rf build"},
            "tool_response": {},
        },
        {"hook_event_name": "Stop", "stop_hook_active": False},
        {"hook_event_name": "Notification", "message": idle, "notification_type": "idle_prompt"},
        {"hook_event_name": "UserPromptSubmit", "prompt": "Thanks, commit it"},
        {"hook_event_name": "SessionEnd", "reason": "logout"},
    ]
    for hook_input in hook_inputs:
        # the command each event is configured with, as Claude Code would run it
        [entry] = settings["hooks"][hook_input["hook_event_name"]]
        command = entry["hooks"][0]["command"]
        result = run(
            ["bash", "-c", command],
            {**env, "CLAUDE_PROJECT_DIR": str(REPOSITORY)},
            input=json.dumps({**common, **hook_input}),
        )
        assert (result.returncode, result.stdout) == (0, "")
        if hook_input.get("notification_type") == "idle_prompt":
            # Waiting on a person: the task is in the inbox with the question.
            task_with(stack, project, "session-1", "needs_input", 7)
            inbox = httpx.get(
                f"{stack.url}/api/inbox",
                params={"project": project},
                headers=stack.headers("dashboard"),
            ).json()
            [waiting] = inbox["tasks"]
            assert (waiting["task_id"], waiting["reason"]) == ("session-1", "needs_input")
            assert waiting["message"] == idle

    task = task_with(stack, project, "session-1", "completed", 9)
    assert kinds(task) == ["start", *["status"] * 7, "finish"]
    assert task["agent"] == "claude-code"
    assert task["title"] == f"Claude Code session in {project}"
    statuses = [(e["payload"]["status"], e["payload"]["message"]) for e in task["events"][1:8]]
    assert statuses == [
        ("running", "prompt: Fix the failing test"),
        ("running", "Bash: pytest -x"),
        ("needs_input", permission),
        ("running", "Bash: rm -rf build"),
        ("paused", "finished its turn, waiting for the next prompt"),
        ("needs_input", idle),
        ("running", "prompt: Thanks, commit it"),
    ]
    # The statuses the task passed through, as its history tells them.
    passed: list[str] = []
    for status in ["running", *(status for status, _ in statuses), task["status"]]:
        if not passed or passed[-1] != status:
            passed.append(status)
    assert passed == [
        "running",
        "needs_input",
        "running",
        "paused",
        "needs_input",
        "running",
        "completed",
    ]
    assert task["result"] == "session ended: logout"
    inbox = httpx.get(
        f"{stack.url}/api/inbox", params={"project": project}, headers=stack.headers("dashboard")
    ).json()
    assert inbox["total"] == 0


def test_github_actions_steps(stack: Stack, tmp_path: Path) -> None:
    project = new_project()
    workflow = yaml.safe_load((SCRIPTS / "github-actions" / "agent-tracker.yml").read_text())
    [job] = workflow["jobs"].values()
    install, *steps = [step for step in job["steps"] if "run" in step]
    assert install["name"] == "Install agent-tracker"
    (tmp_path / "Makefile").write_text("build:\n\t@echo building >&2\n")
    env = {
        **agent_env(stack, project, tmp_path / "state"),
        "PATH": f"{Path(AGENT_TRACKER).parent}{os.pathsep}{os.environ['PATH']}",
        "GITHUB_REPOSITORY": "octo/app",
        "GITHUB_SHA": "0123456789abcdef",
        "GITHUB_RUN_ID": "777",
        "GITHUB_RUN_ATTEMPT": "1",
    }
    for step in steps:  # the install step needs the network; the CLI is installed here
        result = run(["bash", "-e", "-c", step["run"]], env, cwd=tmp_path)
        assert result.returncode == 0, f"{step['name']}: {result.stderr}"

    task = task_with(stack, project, "gha-777-1", "completed", 2)
    assert task["title"] == "Build octo/app@0123456"
    assert task["metadata"] == {"exit_code": 0, "command": "make build"}

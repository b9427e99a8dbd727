"""Running the agent-side tools (CLI, scripts) against the stack, and reading back tasks."""

import os
import socket
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import httpx

from tests.waiting import eventually

from .conftest import Stack

AGENT_TRACKER = str(Path(sys.executable).with_name("agent-tracker"))
REPOSITORY = Path(__file__).resolve().parents[2]


def new_project() -> str:
    return f"agent-{uuid.uuid4().hex[:10]}"


def closed_port_url() -> str:
    """Where a stopped tracker would be: nothing listens, connections are refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}"


def agent_env(stack: Stack, project: str, state_dir: Path) -> dict[str, str]:
    return {
        **os.environ,
        "AGENT_TRACKER_URL": stack.url,
        "AGENT_TRACKER_API_KEY": stack.keys["agent"],
        "AGENT_TRACKER_PROJECT": project,
        "AGENT_TRACKER_AGENT": "e2e-agent",
        "AGENT_TRACKER_STATE_DIR": str(state_dir),
    }


def cli(
    env: dict[str, str], *args: str, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [AGENT_TRACKER, *args], env=env, input=stdin, capture_output=True, text=True, timeout=60
    )


def task_detail(stack: Stack, project: str, task_id: str) -> dict[str, Any] | None:
    response = httpx.get(
        f"{stack.url}/api/projects/{project}/tasks/{task_id}", headers=stack.headers("dashboard")
    )
    return response.json() if response.status_code == 200 else None


def task_with(stack: Stack, project: str, task_id: str, status: str, events: int) -> dict[str, Any]:
    """The task once it has `status` and at least `events` events in its timeline."""

    def settled() -> dict[str, Any] | None:
        task = task_detail(stack, project, task_id)
        if task and task["status"] == status and len(task["events"]) >= events:
            return task
        return None

    return eventually(settled, within=20)


def kinds(task: dict[str, Any]) -> list[str]:
    return [event["kind"] for event in task["events"]]

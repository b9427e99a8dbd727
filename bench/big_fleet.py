"""The data a big fleet leaves in the tracker, posted through the gateway, and the tasks its
agents keep reporting on.

Hundreds of small projects with three tasks each (one completed, one failed, one running) and
one project, `big-project`, with thousands of running tasks. The live load then posts statuses
of running tasks, every other one in `big-project` and the rest spread over 20 small projects.
"""

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any

import httpx

from .backlog import wait_until_applied
from .system import System

BIG_PROJECT = "big-project"
BATCH = 1_000  # events per request: the batch webhook's default limit (BATCH_MAX_EVENTS)
AGENTS = 50


@dataclass(frozen=True)
class Fleet:
    projects: int
    """Small projects, three tasks each."""
    big_tasks: int
    """Running tasks in `big-project`."""
    busy_projects: int = 20
    """Small projects the live load reports on, beside `big-project`."""

    def describe(self) -> str:
        return f"{self.projects + 1:,} projects, {self.big_tasks:,} running in {BIG_PROJECT}"


def _project(number: int) -> str:
    return f"project-{number:03d}"


def _task(project: str, task_id: str, agent: int) -> dict[str, Any]:
    return {
        "project": project,
        "task": f"Task {task_id} of {project}",
        "task_id": task_id,
        "agent": f"agent-{agent % AGENTS}",
    }


def _events(fleet: Fleet) -> Iterator[dict[str, Any]]:
    """Every event of the fleet, as batch events (`type` and the webhook's fields)."""
    for number in range(fleet.projects):
        project = _project(number)
        completed, failed, running = (_task(project, f"t-{k}", number + k) for k in range(3))
        yield {"type": "start", **completed}
        yield {"type": "finish", **completed, "result": "ok", "duration_seconds": 42.0}
        yield {"type": "start", **failed}
        yield {"type": "error", **failed, "error_type": "BenchError", "error_message": "planned"}
        yield {"type": "start", **running}
    for number in range(fleet.big_tasks):
        yield {"type": "start", **_task(BIG_PROJECT, f"big-{number}", number)}


def _running(fleet: Fleet) -> Iterator[dict[str, Any]]:
    """The running tasks the live load reports on, in the order it takes them."""
    busy = [
        _task(_project(n), "t-2", n + 2) for n in range(min(fleet.busy_projects, fleet.projects))
    ]
    for number in range(max(fleet.big_tasks, len(busy))):
        yield _task(BIG_PROJECT, f"big-{number % fleet.big_tasks}", number % fleet.big_tasks)
        if busy:
            yield busy[number % len(busy)]


async def _post(url: str, headers: dict[str, str], events: Iterator[dict[str, Any]]) -> None:
    async with httpx.AsyncClient(headers=headers, timeout=120) as client:
        # One batch after the other: every task's start reaches the stream before its end.
        while batch := list(islice(events, BATCH)):
            answer = await client.post(f"{url}/webhook/batch", json={"events": batch})
            answer.raise_for_status()
            if answer.json()["accepted"] != len(batch):
                raise RuntimeError(f"a batch was not accepted whole: {answer.text[:300]}")


def seed(system: System, fleet: Fleet) -> None:
    """Post the fleet's tasks through the gateway and wait until the database holds them."""
    asyncio.run(_post(system.gateway_url, system.headers, _events(fleet)))
    asyncio.run(wait_until_applied(system.redis.url))


def write_running_tasks(fleet: Fleet, path: Path) -> Path:
    """The tasks for `loadgen -tasks`: project, task_id, title and agent, tab-separated."""
    fields = ("project", "task_id", "task", "agent")
    path.write_text("".join("\t".join(t[f] for f in fields) + "\n" for t in _running(fleet)))
    return path

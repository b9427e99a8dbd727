"""The agent_tracker Python SDK against the whole system behind the real gateway."""

import asyncio
from pathlib import Path

import httpx
import pytest

from agent_tracker import AsyncTracker, Fate, Tracker, current_task

from .agent_side import closed_port_url, kinds, new_project, task_with
from .conftest import Stack


def tracker_for(stack: Stack, project: str, state_dir: Path, url: str | None = None) -> Tracker:
    return Tracker(
        url=url or stack.url,
        api_key=stack.keys["agent"],
        project=project,
        agent="sdk-agent",
        state_dir=state_dir,
    )


def test_a_task_block_reports_progress_and_finish(stack: Stack, tmp_path: Path) -> None:
    project = new_project()
    tracker = tracker_for(stack, project, tmp_path)
    with tracker.task("Build feature", metadata={"ticket": 12}) as task:
        receipt = task.progress(50, "halfway")
    assert receipt.fate is Fate.DELIVERED
    found = task_with(stack, project, task.task_id, "completed", 3)
    assert kinds(found) == ["start", "status", "finish"]
    assert found["metadata"] == {"ticket": 12}
    assert found["events"][1]["payload"]["message"] == "halfway"
    assert found["duration_seconds"] is not None


def test_an_exception_fails_the_task_and_goes_on(stack: Stack, tmp_path: Path) -> None:
    project = new_project()
    tracker = tracker_for(stack, project, tmp_path)

    @tracker.track("Import data")
    def import_rows() -> None:
        current_task().progress(10)
        raise LookupError("row 7 has no id")

    with pytest.raises(LookupError):
        import_rows()
    found = task_with(stack, project, tracker_task_id(stack, project), "failed", 3)
    assert found["error_type"] == "LookupError"
    assert found["error_message"] == "row 7 has no id"
    assert 'raise LookupError("row 7 has no id")' in found["stack_trace"]


def tracker_task_id(stack: Stack, project: str) -> str:
    tasks = httpx.get(
        f"{stack.url}/api/projects/{project}/tasks", headers=stack.headers("dashboard")
    ).json()
    assert len(tasks) == 1
    return str(tasks[0]["task_id"])


def test_async_tasks(stack: Stack, tmp_path: Path) -> None:
    project = new_project()
    tracker = AsyncTracker(tracker_for(stack, project, tmp_path).config)

    async def work() -> str:
        async with tracker.task("Index documents", task_id="async-1") as task:
            await task.progress(30, "a third")
        with pytest.raises(ZeroDivisionError):
            async with tracker.task("Divide", task_id="async-2"):
                print(1 / 0)
        return task.task_id

    assert asyncio.run(work()) == "async-1"
    assert kinds(task_with(stack, project, "async-1", "completed", 3)) == [
        "start",
        "status",
        "finish",
    ]
    assert task_with(stack, project, "async-2", "failed", 2)["error_type"] == "ZeroDivisionError"


def test_a_resent_event_is_stored_once(stack: Stack, tmp_path: Path) -> None:
    project = new_project()
    tracker = tracker_for(stack, project, tmp_path)
    event = tracker.event("start", task="Once", task_id="once-1")
    assert tracker.send(event).fate is Fate.DELIVERED
    assert tracker.send(event).fate is Fate.DELIVERED  # as a retry after a lost answer would
    found = task_with(stack, project, "once-1", "running", 1)
    assert [e["event_id"] for e in found["events"]] == [event.event_id]


def test_events_wait_while_the_tracker_is_down_and_follow_later(
    stack: Stack, tmp_path: Path
) -> None:
    project = new_project()
    offline = tracker_for(stack, project, tmp_path, url=closed_port_url())
    with offline.task("Offline block", task_id="sdk-offline") as task:
        assert task.progress(50).fate is Fate.SPOOLED
    assert offline.waiting() == 3
    report = tracker_for(stack, project, tmp_path).flush()
    assert (report.delivered, report.waiting) == (3, 0)
    assert kinds(task_with(stack, project, "sdk-offline", "completed", 3)) == [
        "start",
        "status",
        "finish",
    ]

"""Tasks in code: what reaches the spool while the tracker is down."""

import asyncio

import pytest

from agent_tracker import AsyncTracker, Tracker, current_task
from agent_tracker._tasks import error_fields


def spooled(tracker: Tracker) -> list[tuple[str, dict[str, object]]]:
    with tracker._spool.locked() as spool:
        return [(event.kind, event.body) for event in spool.read()]


def test_a_block_that_ends_well_reports_start_progress_and_finish(
    offline_tracker: Tracker,
) -> None:
    with offline_tracker.task("Build feature", metadata={"k": 1}) as task:
        task.progress(50, "halfway")
    events = spooled(offline_tracker)
    assert [kind for kind, _ in events] == ["start", "status", "finish"]
    assert {body["task_id"] for _, body in events} == {task.task_id}
    assert events[0][1]["metadata"] == {"k": 1}
    assert events[1][1]["progress"] == 50
    assert events[1][1]["message"] == "halfway"
    assert isinstance(events[2][1]["duration_seconds"], float)


def test_an_exception_is_reported_with_its_trace_and_raised_again(
    offline_tracker: Tracker,
) -> None:
    with pytest.raises(KeyError), offline_tracker.task("Import data"):
        raise KeyError("missing column")
    kind, body = spooled(offline_tracker)[-1]
    assert kind == "error"
    assert body["error_type"] == "KeyError"
    assert body["error_message"] == "'missing column'"
    assert 'raise KeyError("missing column")' in str(body["stack_trace"])


def test_the_decorator_makes_every_call_a_task_of_its_own(offline_tracker: Tracker) -> None:
    @offline_tracker.track()
    def step(n: int) -> int:
        task = current_task()
        assert task is not None
        task.progress(n)
        return n * 2

    assert step(1) + step(2) == 6
    events = spooled(offline_tracker)
    assert [kind for kind, _ in events] == ["start", "status", "finish"] * 2
    assert events[0][1]["task"].endswith("step")
    assert events[0][1]["task_id"] != events[3][1]["task_id"]
    assert current_task() is None


def test_async_tasks_and_decorator(offline_tracker: Tracker) -> None:
    tracker = AsyncTracker(offline_tracker.config)

    @tracker.track("Async step")
    async def failing() -> None:
        await current_task().progress(10)
        raise ValueError("boom")

    async def scenario() -> None:
        async with tracker.task("Async block") as task:
            await task.progress(30, "a third")
        with pytest.raises(ValueError, match="boom"):
            await failing()

    asyncio.run(scenario())
    events = spooled(offline_tracker)
    assert [kind for kind, _ in events] == ["start", "status", "finish", "start", "status", "error"]
    assert events[5][1]["error_message"] == "boom"


def test_error_fields_respect_the_limits() -> None:
    class Custom(Exception):
        pass

    fields = error_fields(Custom("x" * 20000))
    assert fields["error_type"].endswith("test_error_fields_respect_the_limits.<locals>.Custom")
    assert len(fields["error_message"]) == 16 * 1024
    assert fields["error_message"].endswith("…")
    assert error_fields(RuntimeError())["error_message"] == "RuntimeError"

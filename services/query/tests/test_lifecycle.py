import json
from datetime import timedelta

from tests.factories import T0, event
from tracker_contracts import AnyTaskEvent, EventKind, TaskStatus
from tracker_query.lifecycle import TASK_METADATA_MAX_BYTES, TaskState, apply_event

AGENT_ID = 7


def task_after(*events: AnyTaskEvent) -> TaskState:
    task = TaskState(title="placeholder", agent_id=0)
    for item in events:
        apply_event(task, item, AGENT_ID)
    return task


def at(seconds: float) -> str:
    return (T0 + timedelta(seconds=seconds)).isoformat()


def test_start_makes_a_running_task() -> None:
    task = task_after(event(EventKind.START))
    assert (task.status, task.started_at, task.title, task.agent_id) == (
        TaskStatus.RUNNING, T0, "Разработка фичи", AGENT_ID,
    )  # fmt: skip
    assert task.details == {"priority": "high"}


def test_status_moves_progress_and_message() -> None:
    task = task_after(event(EventKind.START), event(EventKind.STATUS, 10, progress=40, message="m"))
    assert (task.status, task.progress, task.message) == (TaskStatus.RUNNING, 40, "m")


def test_status_without_progress_keeps_the_last_progress() -> None:
    task = task_after(
        event(EventKind.STATUS, 1, progress=40),
        event(EventKind.STATUS, 2, progress=None, message=None, status="paused"),
    )
    assert (task.status, task.progress, task.message) == (TaskStatus.PAUSED, 40, "Обработка данных")


def test_finish_completes_with_the_reported_duration() -> None:
    task = task_after(event(EventKind.START), event(EventKind.FINISH, 60))
    assert (task.status, task.progress, task.result) == (
        TaskStatus.COMPLETED, 100, "Завершено успешно",
    )  # fmt: skip
    assert (task.finished_at, task.duration_seconds) == (T0 + timedelta(seconds=60), 1800)
    assert task.details == {"priority": "high", "files": ["result.py"]}


def test_finish_without_duration_measures_it_from_the_start() -> None:
    task = task_after(event(EventKind.START), event(EventKind.FINISH, 90, duration_seconds=None))
    assert task.duration_seconds is None
    assert (task.started_at, task.finished_at) == (T0, T0 + timedelta(seconds=90))


def test_error_fails_the_task_with_its_details() -> None:
    task = task_after(event(EventKind.START), event(EventKind.ERROR, 30))
    assert (task.status, task.error_type, task.error_message, task.stack_trace) == (
        TaskStatus.FAILED, "RuntimeError", "Ошибка выполнения", "Traceback...",
    )  # fmt: skip
    assert (task.started_at, task.finished_at) == (T0, T0 + timedelta(seconds=30))


def test_status_after_finish_does_not_reopen_the_task() -> None:
    task = task_after(
        event(EventKind.START), event(EventKind.FINISH, 10), event(EventKind.STATUS, 20, progress=5)
    )
    assert (task.status, task.progress) == (TaskStatus.COMPLETED, 100)


def test_start_after_error_does_not_reopen_the_task() -> None:
    task = task_after(event(EventKind.ERROR, 10), event(EventKind.START, 20))
    assert task.status == TaskStatus.FAILED


def test_an_older_status_arriving_late_changes_nothing() -> None:
    task = task_after(
        event(EventKind.STATUS, 10, progress=80, timestamp=at(10)),
        event(EventKind.STATUS, 20, progress=30, timestamp=at(5)),
    )
    assert task.progress == 80


def test_finish_arriving_before_start_keeps_the_task_completed() -> None:
    task = task_after(
        event(EventKind.FINISH, 10, timestamp=at(100), duration_seconds=None),
        event(EventKind.START, 20, timestamp=at(40)),
    )
    assert task.status == TaskStatus.COMPLETED
    assert task.started_at == T0 + timedelta(seconds=40)
    assert task.finished_at == T0 + timedelta(seconds=100)


def test_first_event_without_a_start_stands_in_for_the_start_time() -> None:
    task = task_after(event(EventKind.FINISH, 100))
    assert task.started_at == T0 + timedelta(seconds=100 - 1800)
    assert task.status == TaskStatus.COMPLETED


def test_a_newer_outcome_replaces_an_older_one() -> None:
    task = task_after(event(EventKind.ERROR, 10), event(EventKind.FINISH, 20))
    assert (task.status, task.error_type) == (TaskStatus.COMPLETED, None)


def test_an_older_outcome_does_not_replace_a_newer_one() -> None:
    task = task_after(
        event(EventKind.FINISH, 10, timestamp=at(50)), event(EventKind.ERROR, 20, timestamp=at(40))
    )
    assert task.status == TaskStatus.COMPLETED


def keys(start: int, count: int, value: str = "v") -> dict[str, str]:
    return {f"k{i:06}": value for i in range(start, start + count)}


def json_size(details: dict) -> int:
    return len(json.dumps(details, ensure_ascii=False).encode())


def test_metadata_merges_until_an_event_would_take_it_past_the_key_bound() -> None:
    per_event = 400
    events = [
        event(
            EventKind.START if i == 0 else EventKind.FINISH,
            i,
            metadata=keys(i * per_event, per_event),
        )
        for i in range(4)
    ]
    task = task_after(*events)
    # Two events fit in 1,000 keys; the third would make 1,200, so it and the fourth are left out.
    assert task.details == {**keys(0, per_event), **keys(per_event, per_event)}
    assert task.metadata_truncated
    assert task.details_size == json_size(task.details)


def test_an_event_that_would_pass_the_byte_bound_is_left_out_whole() -> None:
    big = "x" * 15_000
    events = [event(EventKind.START, 0, metadata={"a": big})]
    events += [event(EventKind.FINISH, i, metadata={f"b{i}": big}) for i in range(1, 6)]
    task = task_after(*events, event(EventKind.FINISH, 9, metadata={"small": 1}))
    assert TASK_METADATA_MAX_BYTES == 64 * 1024
    assert sorted(task.details or {}) == ["a", "b1", "b2", "b3", "small"]
    assert task.metadata_truncated
    assert task.details_size == json_size(task.details or {}) <= TASK_METADATA_MAX_BYTES


def test_replacing_a_value_counts_only_the_difference() -> None:
    task = task_after(
        event(EventKind.START, 0, metadata={"log": "x" * 15_000, **keys(0, 10)}),
        *[event(EventKind.FINISH, i, metadata={"log": "y" * 15_000}) for i in range(1, 20)],
    )
    assert task.details is not None
    assert task.details["log"] == "y" * 15_000
    assert not task.metadata_truncated
    assert task.details_size == json_size(task.details)

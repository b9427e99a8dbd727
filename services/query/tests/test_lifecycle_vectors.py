"""The lifecycle cases of `libs/contracts/vectors/lifecycle.json`, folded as the query service
folds events into PostgreSQL. The dashboard's fold runs the same cases (`taskList.test.ts`)."""

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tracker_contracts import (
    WEBHOOK_FOR_KIND,
    AnyTaskEvent,
    EventKind,
    LiveMessageType,
    envelop,
    live_message,
)
from tracker_query.lifecycle import TaskState, apply_event

VECTORS = Path(__file__).parents[3] / "libs" / "contracts" / "vectors" / "lifecycle.json"
CASES: list[dict[str, Any]] = json.loads(VECTORS.read_text())["cases"]

KINDS = {
    LiveMessageType.TASK_STARTED: EventKind.START,
    LiveMessageType.TASK_STATUS: EventKind.STATUS,
    LiveMessageType.TASK_FINISHED: EventKind.FINISH,
    LiveMessageType.TASK_ERROR: EventKind.ERROR,
}
FIELDS_OF_KIND = {
    EventKind.START: (),
    EventKind.STATUS: ("status", "progress", "message"),
    EventKind.FINISH: ("duration_seconds",),
    EventKind.ERROR: ("error_type", "error_message"),
}
RECEIVED_AT = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
"""After every event's own timestamp: events are ordered by the agents' timestamps."""


def event_of(message: dict[str, Any]) -> AnyTaskEvent:
    """The event a live message announces, as ingest would have put it on the stream."""
    kind = KINDS[LiveMessageType(message["type"])]
    data = message["data"]
    body = {
        "project": data["project"],
        "task": data["title"],
        "task_id": data["task_id"],
        "agent": data["agent"],
        "timestamp": message["timestamp"],
        "event_id": message["event_id"],
        **{name: data[name] for name in FIELDS_OF_KIND[kind]},
    }
    return envelop(WEBHOOK_FOR_KIND[kind](**body), RECEIVED_AT)


def stored(task: TaskState, agents: dict[int, str]) -> dict[str, Any]:
    """The task in the cases' terms: times as datetimes, the agent by name."""
    return {
        "status": task.status,
        "progress": task.progress,
        "message": task.message,
        "title": task.title,
        "agent": agents[task.agent_id],
        "started_at": task.started_at,
        "finished_at": task.finished_at,
        "duration_seconds": task.duration_seconds,
        "error_type": task.error_type,
        "error_message": task.error_message,
        "last_event_at": task.last_event_at,
    }


def expected(task: dict[str, Any]) -> dict[str, Any]:
    times = ("started_at", "finished_at", "last_event_at")
    return {k: datetime.fromisoformat(v) if k in times and v else v for k, v in task.items()}


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_the_fold_gives_each_case_its_task(case: dict[str, Any]) -> None:
    agent_ids: dict[str, int] = {}
    task = TaskState(title="", agent_id=0)
    for message in case["events"]:
        agent_id = agent_ids.setdefault(message["data"]["agent"], len(agent_ids) + 1)
        apply_event(task, event_of(message), agent_id)
    agents = {agent_id: name for name, agent_id in agent_ids.items()}
    assert stored(task, agents) == expected(case["task"])


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_each_case_holds_the_live_messages_the_server_sends(case: dict[str, Any]) -> None:
    for message in case["events"]:
        built = live_message(event_of(message), message["id"])
        assert built.model_dump(mode="json") == message


def test_the_cases_cover_every_kind_of_event_and_outcome() -> None:
    types = {message["type"] for case in CASES for message in case["events"]}
    statuses = {case["task"]["status"] for case in CASES}
    assert types == {str(t) for t in LiveMessageType}
    assert statuses >= {"running", "paused", "needs_input", "completed", "failed"}

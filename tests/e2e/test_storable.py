"""Through the real gateway: what cannot be stored is a 422 naming the field (per event in a
batch), never a 5xx, and the events beside it are applied; idempotency keys belong to a key."""

import json
import uuid
from typing import Any

import httpx

from tests.factories import body
from tests.waiting import eventually
from tracker_contracts import EventKind

from .conftest import Stack

JSON = {"content-type": "application/json"}


def raw(fields: dict[str, Any], extra: str) -> str:
    """`fields` as a JSON object with `extra` (raw JSON text: lone surrogates, NaN) added."""
    return json.dumps(fields)[:-1] + ", " + extra + "}"


def tasks(stack: Stack, project: str) -> dict[str, dict[str, Any]]:
    answer = httpx.get(
        f"{stack.url}/api/projects/{project}/tasks", headers=stack.headers("dashboard")
    )
    return {task["task_id"]: task for task in answer.json()} if answer.status_code == 200 else {}


def test_unstorable_events_are_422_and_the_rest_are_applied(stack: Stack) -> None:
    project = f"gw-{uuid.uuid4().hex[:10]}"
    start = body(EventKind.START, project=project, metadata=None)
    singles = [
        ('"timestamp": "9999-12-31T23:00:00-05:00"', ["body", "timestamp"]),
        ('"metadata": {"\\ud800": "x"}', ["body", "metadata"]),
        ('"metadata": {"k": NaN}', ["body", "metadata"]),
    ]
    for extra, loc in singles:
        fields = {k: v for k, v in start.items() if k not in extra}
        answer = httpx.post(
            f"{stack.url}/webhook/start",
            content=raw(fields, extra),
            headers={**stack.headers("agent"), **JSON},
        )
        assert answer.status_code == 422, answer.text
        assert [error["loc"] for error in answer.json()["detail"]] == [loc]

    good = {"type": "start", **start, "task_id": "good"}
    bad = {"type": "start", **start, "task_id": "bad", "metadata": None}
    bad_text = raw({k: v for k, v in bad.items() if k != "task"}, '"task": "\\udfff"')
    batch = '{"events": [' + ", ".join([json.dumps(good), bad_text, json.dumps(good)]) + "]}"
    answer = httpx.post(
        f"{stack.url}/webhook/batch", content=batch, headers={**stack.headers("agent"), **JSON}
    )
    assert answer.status_code == 207, answer.text
    results = answer.json()["results"]
    assert [r["status"] for r in results] == [202, 422, 202]
    assert [e["loc"] for e in results[1]["errors"]] == [["task"]]
    assert set(eventually(lambda: tasks(stack, project))) == {"good"}


def test_two_keys_may_use_the_same_idempotency_key(stack: Stack) -> None:
    project = f"gw-{uuid.uuid4().hex[:10]}"
    key = f"job-{uuid.uuid4()}"
    answers = [
        httpx.post(
            f"{stack.url}/webhook/start",
            json=body(EventKind.START, project=project, task_id=name),
            headers={**stack.headers(name), "Idempotency-Key": key},
        )
        for name in ("agent", "operator")
    ]
    assert [a.status_code for a in answers] == [202, 202]
    assert answers[0].json()["event_id"] != answers[1].json()["event_id"]
    assert set(eventually(lambda: len(tasks(stack, project)) == 2 and tasks(stack, project))) == {
        "agent",
        "operator",
    }

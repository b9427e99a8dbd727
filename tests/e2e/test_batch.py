"""Batches through the real gateway: their events reach the database and live clients exactly
like single webhooks."""

from typing import Any

import httpx

from tests.factories import body
from tests.waiting import eventually
from tracker_contracts import EventKind

from .conftest import Stack
from .test_gateway import connections, live, new_project, receive, stream_length


def item(kind: EventKind, **fields: Any) -> dict[str, Any]:
    return {"type": kind, **body(kind, **fields)}


def post_batch(stack: Stack, events: list[dict[str, Any]]) -> httpx.Response:
    return httpx.post(
        f"{stack.url}/webhook/batch",
        headers=stack.headers("agent"),
        json={"events": events},
        timeout=30,
    )


def test_a_batch_shows_up_in_the_api_and_on_the_websocket(stack: Stack) -> None:
    project = new_project()
    events = [
        item(EventKind.START, project=project, task_id="a"),
        item(EventKind.STATUS, project=project, task_id="a", progress=40),
        item(EventKind.START, project=project, task_id="b"),
        item(EventKind.STATUS, project=project, task_id="b", progress=140),  # refused alone
        item(EventKind.FINISH, project=project, task_id="a", duration_seconds=12),
        item(EventKind.ERROR, project=project, task_id="b"),
    ]
    with live(stack, f"api_key={stack.keys['dashboard']}&project={project}") as websocket:
        eventually(lambda: connections(stack)["project_connections"].get(project) == 1)
        response = post_batch(stack, events)
        assert response.status_code == 207
        assert [r["status"] for r in response.json()["results"]] == [202, 202, 202, 422, 202, 202]
        messages = receive(websocket, 5)

    assert [(m["type"], m["data"]["task_id"]) for m in messages] == [
        ("task_started", "a"),
        ("task_status", "a"),
        ("task_started", "b"),
        ("task_finished", "a"),
        ("task_error", "b"),
    ]

    def tasks() -> dict[str, str]:
        answer = httpx.get(
            f"{stack.url}/api/projects/{project}/tasks", headers=stack.headers("dashboard")
        )
        found = {t["task_id"]: t["status"] for t in answer.json()} if answer.is_success else {}
        return found if found == {"a": "completed", "b": "failed"} else {}

    eventually(tasks)


def test_a_batch_may_exceed_the_single_webhook_body_limit(stack: Stack) -> None:
    project = new_project()
    message = "m" * 2048  # 1000 of these make a body of about 2.5 MiB
    events = [
        item(EventKind.STATUS, project=project, task_id=f"t-{n}", message=message)
        for n in range(1000)
    ]
    response = post_batch(stack, events)
    assert response.status_code == 207
    assert response.json()["accepted"] == 1000


def test_a_batch_over_its_body_limit_is_refused_by_the_gateway(stack: Stack) -> None:
    before = stream_length(stack)
    events = [item(EventKind.START, metadata={"blob": "x" * 15_000}) for _ in range(800)]
    response = post_batch(stack, events)
    assert response.status_code == 413
    assert stream_length(stack) == before


def test_the_batch_is_documented_with_its_own_body_limit(stack: Stack) -> None:
    document = httpx.get(f"{stack.url}/openapi.json").json()
    responses = document["paths"]["/webhook/batch"]["post"]["responses"]
    assert {"207", "401", "413", "422", "503"} <= set(responses)
    assert "10 MiB" in responses["413"]["description"]

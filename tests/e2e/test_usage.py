"""Usage and cost through the real gateway: sent on status and finish, found in the task's
totals and history, in the statistics and on the WebSocket."""

import json
import uuid
from typing import Any

import httpx
import pytest

from tests.factories import body
from tests.waiting import eventually
from tracker_contracts import EventKind

from .conftest import Stack
from .test_gateway import connections, live, new_project, receive

STEP = {"model": "claude-sonnet-4-5", "input_tokens": 1200, "output_tokens": 340, "cost": 0.0123}
LAST = {"model": "claude-sonnet-4-5", "cache_read_tokens": 5000, "cost": 0.0077}


def test_usage_adds_up_in_the_api_the_statistics_and_the_live_feed(stack: Stack) -> None:
    project = new_project()
    agent, dashboard = stack.headers("agent"), stack.headers("dashboard")
    task = {"project": project, "task_id": "t-1"}
    webhooks = [
        ("start", body(EventKind.START, **task)),
        (
            "status",
            body(
                EventKind.STATUS,
                **task,
                event_id=str(uuid.uuid4()),
                usage=STEP,
                metadata={"step": "tests"},
            ),
        ),
        ("finish", body(EventKind.FINISH, **task, usage=LAST)),
    ]
    with live(stack, f"api_key={stack.keys['dashboard']}&project={project}") as websocket:
        eventually(lambda: connections(stack)["project_connections"].get(project) == 1)
        for kind, payload in webhooks:
            response = httpx.post(f"{stack.url}/webhook/{kind}", headers=agent, json=payload)
            assert response.status_code == 202, response.text
        # The status again, as a retry sends it: it adds nothing.
        again = httpx.post(f"{stack.url}/webhook/status", headers=agent, json=webhooks[1][1])
        assert again.status_code == 202
        messages = receive(websocket, 3)

    assert [(m["type"], m["data"].get("usage")) for m in messages] == [
        ("task_started", None),
        (
            "task_status",
            {**STEP, "cache_read_tokens": None, "cache_write_tokens": None, "currency": "USD"},
        ),
        (
            "task_finished",
            {
                **LAST,
                "input_tokens": None,
                "output_tokens": None,
                "cache_write_tokens": None,
                "currency": "USD",
            },
        ),
    ]

    totals = {
        "input_tokens": 1200,
        "output_tokens": 340,
        "cache_read_tokens": 5000,
        "cache_write_tokens": 0,
        "cost": {"USD": 0.02},
    }

    def detail() -> dict[str, Any] | None:
        answer = httpx.get(f"{stack.url}/api/projects/{project}/tasks/t-1", headers=dashboard)
        found = answer.json() if answer.is_success else None
        return found if found and found["status"] == "completed" else None

    task_view = eventually(detail)
    assert task_view["usage"] == totals
    assert task_view["metadata"]["step"] == "tests"
    assert [e["usage"] and e["usage"]["cost"] for e in task_view["events"]] == [
        None,
        0.0123,
        0.0077,
    ]
    [listed] = httpx.get(f"{stack.url}/api/projects/{project}/tasks", headers=dashboard).json()
    assert listed["usage"] == totals

    def get(path: str) -> Any:
        separator = "&" if "?" in path else "?"
        answer = httpx.get(f"{stack.url}{path}{separator}project={project}", headers=dashboard)
        assert answer.status_code == 200, answer.text
        return answer.json()

    assert get("/api/stats")["usage"] == totals
    [by_model] = get("/api/stats/usage?by=model")
    assert by_model == {"key": "claude-sonnet-4-5", **totals}
    [costliest] = get("/api/stats/usage/tasks")
    assert (costliest["task_id"], costliest["cost"]) == ("t-1", 0.02)
    series = get("/api/stats/usage/timeseries?bucket=hour")
    assert sum(p["cost"].get("USD", 0) for p in series["points"]) == pytest.approx(0.02)


def test_a_budget_crossed_reaches_the_live_feed_once_per_threshold(stack: Stack) -> None:
    project = new_project()
    agent, operator = stack.headers("agent"), stack.headers("operator")
    task = {"project": project, "task_id": "t-1"}

    def post(kind: str, **fields: Any) -> None:
        answer = httpx.post(f"{stack.url}/webhook/{kind}", headers=agent, json=fields)
        assert answer.status_code == 202, answer.text

    def status(cost: float) -> dict[str, Any]:
        return body(EventKind.STATUS, **task, usage={"model": "m", "cost": cost})

    post("start", **body(EventKind.START, **task))
    settings = f"{stack.url}/api/projects/{project}/settings"
    eventually(lambda: httpx.get(settings, headers=operator).is_success)
    budget = {"budget": {"period": "day", "amount": 1, "currency": "USD"}}
    assert httpx.put(settings, headers=operator, json=budget).status_code == 200

    with live(stack, f"api_key={stack.keys['dashboard']}&project={project}") as websocket:
        eventually(lambda: connections(stack)["project_connections"].get(project) == 1)
        post("status", **status(0.85))
        post("status", **status(0.25))

        def crossing() -> dict[str, Any]:
            while True:
                message = json.loads(websocket.recv(timeout=30))
                if message["type"] == "budget_crossed":
                    return dict(message["data"])

        crossed = [crossing(), crossing()]
    # Whether one check or two found them, 80 % comes first: a check announces in threshold order.
    assert [(c["threshold_percent"], c["project"]) for c in crossed] == [
        (80, project),
        (100, project),
    ]
    answer = httpx.get(
        f"{stack.url}/api/projects/{project}/budget", headers=stack.headers("dashboard")
    )
    assert answer.json()["crossed"] == [80, 100]
    assert answer.json()["spent"] == 1.1

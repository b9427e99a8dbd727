"""The public API through the real Traefik gateway, with real HTTP and WebSocket clients."""

import contextlib
import json
import uuid
from typing import Any

import httpx
import pytest
from redis import Redis
from websockets.exceptions import InvalidStatus
from websockets.sync.client import ClientConnection, connect

from tests.factories import body
from tests.waiting import eventually
from tools.openapi import DOCUMENT as OPENAPI_DOCUMENT
from tracker_contracts import EventKind

from .conftest import Stack

PROTECTED = [
    ("POST", "/webhook/start"),
    ("POST", "/webhook/status"),
    ("POST", "/webhook/finish"),
    ("POST", "/webhook/error"),
    ("GET", "/api/projects"),
    ("GET", "/api/projects/my-project/tasks"),
    ("GET", "/api/stats"),
    ("GET", "/api/websocket/stats"),
]


def new_project() -> str:
    return f"gw-{uuid.uuid4().hex[:10]}"


def stream_length(stack: Stack) -> int:
    with Redis.from_url(stack.redis_url) as redis:
        return int(redis.xlen(stack.events_stream))


def live(stack: Stack, query: str) -> ClientConnection:
    return connect(f"{stack.ws_url}/webhook/ws?{query}", open_timeout=10)


def receive(websocket: ClientConnection, count: int) -> list[dict[str, Any]]:
    return [json.loads(websocket.recv(timeout=10)) for _ in range(count)]


def connections(stack: Stack) -> dict[str, Any]:
    return httpx.get(f"{stack.url}/api/websocket/stats", headers=stack.headers("dashboard")).json()


def test_seed_examples_with_a_key_are_accepted_and_readable(stack: Stack) -> None:
    project = new_project()
    # The original README's Python example, with the tracker's URL and a real key.
    response = httpx.post(
        f"{stack.url}/webhook/start",
        headers={"X-API-Key": stack.keys["agent"]},
        json={
            "project": project,
            "task": "Обработка данных",
            "task_id": "python-task-123",
            "agent": "python-agent",
        },
    )
    assert response.status_code == 202
    response = httpx.post(
        f"{stack.url}/webhook/status",
        headers={"X-API-Key": stack.keys["agent"]},
        json={
            "project": project,
            "task": "Обработка данных",
            "task_id": "python-task-123",
            "agent": "python-agent",
            "status": "running",
            "progress": 50,
        },
    )
    assert response.status_code == 202

    def task() -> dict[str, Any] | None:
        answer = httpx.get(
            f"{stack.url}/api/projects/{project}/tasks", headers=stack.headers("dashboard")
        )
        tasks = answer.json() if answer.status_code == 200 else []
        return tasks[0] if tasks and tasks[0]["progress"] == 50 else None

    found = eventually(task)
    assert (found["task_id"], found["status"], found["agent"]) == (
        "python-task-123",
        "running",
        "python-agent",
    )
    assert project in [
        p["name"]
        for p in httpx.get(f"{stack.url}/api/projects", headers=stack.headers("dashboard")).json()
    ]


@pytest.mark.parametrize("key", [None, "wrong-key"])
def test_every_protected_route_refuses_a_missing_or_wrong_key(stack: Stack, key) -> None:
    before = stream_length(stack)
    headers = {} if key is None else {"X-API-Key": key}
    for method, path in PROTECTED:
        payload = body(EventKind.START) if method == "POST" else None
        response = httpx.request(method, f"{stack.url}{path}", headers=headers, json=payload)
        assert response.status_code == 401, (method, path)
        assert response.json()["detail"]
    assert stream_length(stack) == before


def test_the_key_in_the_query_is_only_for_the_websocket(stack: Stack) -> None:
    response = httpx.get(f"{stack.url}/api/stats", params={"api_key": stack.keys["dashboard"]})
    assert response.status_code == 401


@pytest.mark.parametrize("query", ["project=a", "project=a&api_key=wrong-key"])
def test_the_websocket_refuses_a_missing_or_wrong_key(stack: Stack, query: str) -> None:
    with pytest.raises(InvalidStatus) as refused:
        live(stack, query)
    assert refused.value.response.status_code == 401


def test_a_websocket_client_gets_its_project_in_the_seed_format(stack: Stack) -> None:
    mine, other = new_project(), new_project()
    key = stack.keys["dashboard"]
    with live(stack, f"api_key={key}&project={mine}") as websocket:
        eventually(lambda: connections(stack)["project_connections"].get(mine) == 1)
        sends = [
            ("start", body(EventKind.START, project=mine)),
            ("start", body(EventKind.START, project=other)),
            ("status", body(EventKind.STATUS, project=mine)),
            ("finish", body(EventKind.FINISH, project=mine)),
            ("error", body(EventKind.ERROR, project=other)),
            ("error", body(EventKind.ERROR, project=mine, task_id="task-2")),
        ]
        for kind, payload in sends:
            answer = httpx.post(
                f"{stack.url}/webhook/{kind}", headers=stack.headers("agent"), json=payload
            )
            assert answer.status_code == 202
        messages = receive(websocket, 4)

    assert [(m["type"], m["data"]["project"]) for m in messages] == [
        ("task_started", mine),
        ("task_status", mine),
        ("task_finished", mine),
        ("task_error", mine),
    ]
    started = messages[0]
    assert set(started) >= {"type", "data", "timestamp"}
    assert set(started["data"]) == {"task_id", "title", "project", "agent", "status", "started_at"}
    assert set(messages[2]["data"]) == {
        "task_id", "title", "project", "agent", "status", "duration_seconds", "finished_at",
    }  # fmt: skip
    assert set(messages[3]["data"]) == {
        "task_id", "title", "project", "agent", "status", "error_type", "error_message",
    }  # fmt: skip
    eventually(lambda: mine not in connections(stack)["project_connections"])


def test_both_realtime_replicas_deliver_to_their_clients(stack: Stack) -> None:
    project = new_project()
    key = stack.keys["dashboard"]
    with contextlib.ExitStack() as opened:
        clients = [
            opened.enter_context(live(stack, f"api_key={key}&project={project}")) for _ in range(4)
        ]
        eventually(lambda: connections(stack)["project_connections"].get(project) == 4)
        with Redis.from_url(stack.redis_url) as redis:
            replicas = [
                k for k in redis.scan_iter(f"{stack.events_stream}:ws-connections:*")
                if int(redis.hget(k, f"project:{project}") or 0) > 0
            ]  # fmt: skip
        assert len(replicas) == 2
        payload = body(EventKind.START, project=project)
        assert (
            httpx.post(
                f"{stack.url}/webhook/start", headers=stack.headers("agent"), json=payload
            ).status_code
            == 202
        )
        assert [receive(c, 1)[0]["data"]["project"] for c in clients] == [project] * 4


def test_openapi_describes_the_whole_public_api(stack: Stack) -> None:
    document = httpx.get(f"{stack.url}/openapi.json").json()
    assert set(document["paths"]) >= {
        "/webhook/start",
        "/webhook/status",
        "/webhook/finish",
        "/webhook/error",
        "/webhook/ws",
        "/api/projects",
        "/api/projects/{project_name}/tasks",
        "/api/stats",
        "/api/websocket/stats",
        "/health",
        "/db-check",
        "/redis-check",
        "/feed-check",
    }
    assert "APIKeyHeader" in document["components"]["securitySchemes"]
    # The copy the dashboard's types are generated from (`make api-types`) is this document.
    assert document == json.loads(OPENAPI_DOCUMENT.read_text(encoding="utf-8"))
    for path in ("/docs", "/redoc"):
        assert httpx.get(f"{stack.url}{path}").status_code == 200


def test_health_checks_are_public_and_cover_every_part(stack: Stack) -> None:
    health = httpx.get(f"{stack.url}/health")
    assert health.status_code == 200
    assert health.json()["checks"] == {
        "ingest": "ok",
        "query": "ok",
        "realtime": "ok",
        "redis": "ok",
        "database": "ok",
        "query worker": "ok",
        "notify": "ok",
        "live feed": "ok",
    }
    assert httpx.get(f"{stack.url}/db-check").status_code == 200
    assert httpx.get(f"{stack.url}/redis-check").status_code == 200
    assert httpx.get(f"{stack.url}/feed-check").status_code == 200


def test_oversized_webhooks_are_refused_before_parsing(stack: Stack) -> None:
    before = stream_length(stack)
    payload = body(EventKind.START, metadata={"blob": "x" * (2 * 1024 * 1024)})
    response = httpx.post(
        f"{stack.url}/webhook/start", headers=stack.headers("agent"), json=payload
    )
    assert response.status_code == 413
    assert stream_length(stack) == before


def test_no_key_reaches_any_log(stack: Stack) -> None:
    key = stack.keys["dashboard"]
    with live(stack, f"api_key={key}&project=audit"):
        pass
    httpx.get(f"{stack.url}/api/stats", headers={"X-API-Key": key})
    httpx.get(f"{stack.url}/api/stats", params={"api_key": key})

    def logs_written() -> bool:
        return all(log.exists() and log.stat().st_size > 0 for log in stack.logs)

    eventually(logs_written)
    for log in stack.logs:
        text = log.read_text()
        for name, secret in stack.keys.items():
            assert secret not in text, f"the {name} key appears in {log.name}"


def test_each_key_is_held_to_its_scope(stack: Stack) -> None:
    webhook = body(EventKind.START, project=new_project())
    reading = httpx.get(f"{stack.url}/api/stats", headers=stack.headers("agent"))
    posting = httpx.post(
        f"{stack.url}/webhook/start", headers=stack.headers("dashboard"), json=webhook
    )
    assert (reading.status_code, posting.status_code) == (403, 403)
    assert "read" in reading.json()["detail"]
    assert "ingest" in posting.json()["detail"]
    for name in ("agent", "operator"):
        answer = httpx.post(f"{stack.url}/webhook/start", headers=stack.headers(name), json=webhook)
        assert answer.status_code == 202
    assert httpx.get(f"{stack.url}/api/stats", headers=stack.headers("operator")).status_code == 200
    with pytest.raises(InvalidStatus) as refused:
        live(stack, f"api_key={stack.keys['agent']}")
    assert refused.value.response.status_code == 403


def test_a_retry_through_the_gateway_is_answered_once(stack: Stack) -> None:
    before = stream_length(stack)
    headers = {**stack.headers("agent"), "Idempotency-Key": f"gw-{uuid.uuid4()}"}
    webhook = body(EventKind.START, project=new_project())
    answers = [
        httpx.post(f"{stack.url}/webhook/start", headers=headers, json=webhook) for _ in range(2)
    ]
    assert [a.status_code for a in answers] == [202, 202]
    assert answers[0].json() == answers[1].json()
    assert stream_length(stack) == before + 1

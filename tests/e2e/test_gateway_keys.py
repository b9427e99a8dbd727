"""Keys change while the gateway runs, and the services refuse what did not come through it."""

import secrets
import threading
import time

import httpx
import pytest
from redis import Redis
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from tests.factories import body
from tests.waiting import eventually

from .conftest import Stack

HEADER = "# name:scope:key, one per line\n"


def projects_status(stack: Stack, key: str) -> int:
    return httpx.get(f"{stack.url}/api/projects", headers={"X-API-Key": key}).status_code


class SteadyAgent:
    """Posts webhooks with an unchanged key the whole time, and keeps every answer."""

    def __init__(self, stack: Stack) -> None:
        self.statuses: list[int] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._post, args=(stack,))

    def _post(self, stack: Stack) -> None:
        with httpx.Client(base_url=stack.url, headers=stack.headers("agent")) as client:
            number = 0
            while not self._stop.is_set():
                number += 1
                payload = body("status", project="steady", task_id=f"steady-{number}")
                self.statuses.append(client.post("/webhook/status", json=payload).status_code)

    def __enter__(self) -> "SteadyAgent":
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(timeout=30)


def test_keys_are_added_and_revoked_within_seconds_without_a_restart(stack: Stack) -> None:
    key = secrets.token_urlsafe(24)
    assert projects_status(stack, key) == 401
    with SteadyAgent(stack) as steady:
        stack.keys_file.write_text(f"{HEADER}rotating:read:{key}\n")
        eventually(lambda: projects_status(stack, key) == 200, within=10)

        stack.keys_file.write_text(HEADER)
        eventually(lambda: projects_status(stack, key) == 401, within=10)
    # Requests kept flowing with the other keys while the gateway took the changes.
    assert len(steady.statuses) > 10
    assert set(steady.statuses) == {202}


def test_a_key_file_that_does_not_validate_leaves_the_keys_in_force(stack: Stack) -> None:
    key = secrets.token_urlsafe(24)
    stack.keys_file.write_text(f"{HEADER}kept:read:{key}\n")
    eventually(lambda: projects_status(stack, key) == 200, within=10)

    stack.keys_file.write_text(f"{HEADER}kept:read:{key}\nbroken line without a key\n")
    time.sleep(3)  # longer than the keys take to reach the gateway when they do validate
    assert projects_status(stack, key) == 200
    assert projects_status(stack, stack.keys["dashboard"]) == 200

    stack.keys_file.write_text(HEADER)
    eventually(lambda: projects_status(stack, key) == 401, within=10)


@pytest.mark.parametrize(
    ("service", "method", "path"),
    [
        ("ingest", "POST", "/webhook/start"),
        ("ingest", "POST", "/webhook/batch"),
        ("ingest", "POST", "/v1/logs"),
        ("query", "GET", "/api/projects"),
        ("query", "GET", "/api/stats"),
        ("query", "DELETE", "/api/projects/bypass"),
        ("realtime", "GET", "/api/websocket/stats"),
    ],
)
def test_a_protected_request_that_bypassed_the_gateway_is_refused(
    stack: Stack, service: str, method: str, path: str
) -> None:
    with Redis.from_url(stack.redis_url) as redis:
        before = redis.xlen(stack.events_stream)
        # A valid key, sent straight to the service: only the gateway's word counts.
        answer = httpx.request(
            method,
            stack.service_urls[service] + path,
            headers=stack.headers("operator"),
            json=body("start", project="bypass"),
        )
        assert answer.status_code == 401
        assert "through the gateway" in answer.json()["detail"]
        assert redis.xlen(stack.events_stream) == before
    assert httpx.get(f"{stack.service_urls[service]}/health").status_code == 200


def test_the_live_feed_refuses_a_client_that_bypassed_the_gateway(stack: Stack) -> None:
    direct = stack.service_urls["realtime"].replace("http://", "ws://", 1)
    key = stack.keys["dashboard"]
    with pytest.raises(InvalidStatus):
        connect(f"{direct}/webhook/ws?api_key={key}&project=bypass", open_timeout=10)
    with connect(f"{stack.ws_url}/webhook/ws?api_key={key}&project=bypass", open_timeout=10):
        pass

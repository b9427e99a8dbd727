"""Notifications through the real gateway, as `make run` runs the system: channels and rules
set with the API, tasks reported over webhooks, messages received by real HTTP servers on
loopback (a customer's endpoint, and one that speaks Slack's incoming-webhook format)."""

import secrets
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from tests.factories import body
from tests.receivers import Receiver
from tests.waiting import eventually
from tracker_contracts import EventKind

from .conftest import Stack

HEADER = "# name:scope:key, one per line\n"


class Notifications:
    """The notifications API of one project, through the gateway, with one key."""

    def __init__(self, stack: Stack, project: str, key: str = "operator") -> None:
        self.stack, self.project = stack, project
        self.client = httpx.Client(
            base_url=f"{stack.url}/api/projects/{project}/notifications",
            headers=stack.headers(key),
            timeout=15,
        )

    def add_channel(self, name: str, url: str, type: str = "webhook") -> dict[str, Any]:
        answer = self.client.post("/channels", json={"name": name, "type": type, "url": url})
        assert answer.status_code == 201, answer.text
        channel: dict[str, Any] = answer.json()
        return channel

    def set_rule(self, kind: str, **rule: Any) -> dict[str, Any]:
        answer = self.client.put(f"/rules/{kind}", json={"enabled": True, **rule})
        assert answer.status_code == 200, answer.text
        set_to: dict[str, Any] = answer.json()
        return set_to

    def deliveries(self, channel_id: str) -> list[dict[str, Any]]:
        answer = self.client.get("/deliveries", params={"channel_id": channel_id})
        assert answer.status_code == 200, answer.text
        items: list[dict[str, Any]] = answer.json()["items"]
        return items


@pytest.fixture
def project() -> str:
    return f"notify-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def api(stack: Stack, project: str) -> Iterator[Notifications]:
    notifications = Notifications(stack, project)
    yield notifications
    notifications.client.close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as server:
        yield server


def report(stack: Stack, kind: EventKind, project: str, task_id: str, **fields: Any) -> None:
    answer = httpx.post(
        f"{stack.url}/webhook/{kind}",
        json=body(kind, project=project, task_id=task_id, **fields),
        headers=stack.headers("agent"),
        timeout=15,
    )
    assert answer.status_code == 202, answer.text


def fail(stack: Stack, project: str, task_id: str) -> None:
    report(stack, EventKind.START, project, task_id)
    report(stack, EventKind.ERROR, project, task_id)


# --- Configuring: who may, and what they see ---------------------------------------------------


def test_an_admin_key_configures_a_read_key_only_reads_masked_and_other_projects_are_hidden(
    stack: Stack, api: Notifications, project: str
) -> None:
    secret_path = "/services/T0SECRET/B0SECRET/" + secrets.token_hex(12)
    slack = api.add_channel("team chat", f"https://hooks.slack.com{secret_path}", type="slack")
    webhook = api.add_channel("on call", "https://example.org/hooks/tracker?token=abc")
    assert slack["id"].startswith("ch_")
    assert webhook["id"].startswith("ch_")
    assert webhook["secret"].startswith("whsec_")
    assert slack.get("secret") is None
    failed = api.set_rule("task_failed", channel_ids=[webhook["id"]])
    assert failed == {
        "kind": "task_failed",
        "enabled": True,
        "after_minutes": None,
        "channel_ids": [webhook["id"]],
    }
    rules = {r["kind"]: r for r in api.client.get("/rules").json()["items"]}
    assert set(rules) == {
        "task_failed",
        "task_stale",
        "needs_input",
        "task_finished",
        "budget_crossed",
    }
    assert rules["needs_input"]["after_minutes"] == 5
    assert rules["task_finished"]["enabled"] is False

    reader = Notifications(stack, project, key="dashboard")
    with reader.client:
        channels = reader.client.get("/channels")
        assert channels.status_code == 200, channels.text
        targets = {c["id"]: c["target"] for c in channels.json()["items"]}
        assert set(targets) == {slack["id"], webhook["id"]}
        assert targets[slack["id"]].startswith("https://hooks.slack.com/")
        assert "T0SECRET" not in str(channels.json())
        assert "token=abc" not in str(channels.json())
        assert "secret" not in channels.json()["items"][0]
        assert reader.client.get(f"/channels/{webhook['id']}").status_code == 200
        assert reader.client.get("/deliveries").status_code == 200
        # Every way of writing is refused, and nothing changed.
        writes = [
            reader.client.post(
                "/channels", json={"name": "x", "type": "webhook", "url": "https://x.org"}
            ),
            reader.client.patch(f"/channels/{webhook['id']}", json={"enabled": False}),
            reader.client.delete(f"/channels/{webhook['id']}"),
            reader.client.post(f"/channels/{webhook['id']}/test"),
            reader.client.put("/rules/task_failed", json={"enabled": False}),
        ]
        assert [w.status_code for w in writes] == [403] * len(writes)
        assert len(api.client.get("/channels").json()["items"]) == 2
        assert (
            reader.client.get("/rules").json()["items"] == api.client.get("/rules").json()["items"]
        )

    # A key limited to another project: the gateway refuses this project's path outright, and
    # under its own project this project's channel does not exist.
    other, key = f"other-{uuid.uuid4().hex[:8]}", secrets.token_urlsafe(24)
    stack.keys_file.write_text(f"{HEADER}limited:admin:{key}:{other}\n")
    try:
        headers = {"X-API-Key": key}
        own = f"{stack.url}/api/projects/{other}/notifications"
        eventually(
            lambda: httpx.get(f"{own}/channels", headers=headers).status_code == 200, within=15
        )
        refused = httpx.get(f"{api.client.base_url}/channels", headers=headers)
        assert refused.status_code == 403, refused.text
        assert "on call" not in refused.text
        hidden = httpx.get(f"{own}/channels/{webhook['id']}", headers=headers)
        assert hidden.status_code == 404, hidden.text
        assert httpx.get(f"{own}/channels", headers=headers).json()["items"] == []
    finally:
        stack.keys_file.write_text(HEADER)


# --- Incidents and what arrives -----------------------------------------------------------------


def test_a_failing_task_fires_once_per_incident_signed_with_the_channels_secret(
    stack: Stack, api: Notifications, project: str, receiver: Receiver
) -> None:
    channel = api.add_channel("on call", receiver.url)
    report(stack, EventKind.START, project, "repeats")
    for attempt in range(3):  # one failure, told three times
        report(stack, EventKind.ERROR, project, "repeats", metadata={"attempt": attempt})
    fail(stack, project, "once")

    def failures_of_both() -> list[Any]:
        tasks = [r.json["task"]["task_id"] for r in receiver.of_type("task.failed")]
        return tasks if {"repeats", "once"} <= set(tasks) else []

    eventually(failures_of_both, within=60)
    # What was queued is in the log: by then, nothing more is on its way.
    eventually(lambda: all(d["status"] == "sent" for d in api.deliveries(channel["id"])), within=30)
    received = receiver.of_type("task.failed")
    per_task = sorted(r.json["task"]["task_id"] for r in received)
    assert per_task == ["once", "repeats"], per_task
    assert set(receiver.by_webhook_id().values()) == {1}
    logged = api.deliveries(channel["id"])
    assert sorted(d["id"] for d in logged) == sorted(r.webhook_id for r in received)

    verifier = Webhook(channel["secret"])
    for request in received:
        payload = verifier.verify(request.body, request.headers)
        assert payload["id"] == request.webhook_id
        assert payload["project"] == project
        assert payload["type"] == "task.failed"
        assert payload["task"]["status"] == "failed"
        assert payload["summary"]
    forged = dict(received[0].headers, **{"webhook-signature": "v1,AAAA"})
    with pytest.raises(WebhookVerificationError):
        verifier.verify(received[0].body, forged)


def test_a_failing_receiver_is_retried_until_it_answers_then_left_alone(
    stack: Stack, api: Notifications, project: str, receiver: Receiver
) -> None:
    receiver.status = 500
    channel = api.add_channel("flaky", receiver.url)
    fail(stack, project, "t1")

    def retrying() -> dict[str, Any] | None:
        (delivery,) = api.deliveries(channel["id"]) or [None]
        if delivery and delivery["status"] == "retrying" and delivery["attempts"] >= 2:
            return delivery
        return None

    first = eventually(retrying, within=60)
    assert first["response_code"] == 500
    assert first["next_attempt_at"] is not None
    assert len(receiver.by_webhook_id()) == 1  # one message, tried again and again
    assert receiver.by_webhook_id()[first["id"]] >= 2
    later = eventually(lambda: (d := retrying()) and d["attempts"] > first["attempts"] and d, 30)
    assert later["id"] == first["id"]

    receiver.status = 200
    sent = eventually(
        lambda: (d := api.deliveries(channel["id"])[0])["status"] == "sent" and d, within=30
    )
    assert sent["response_code"] == 200
    assert sent["sent_at"] is not None
    assert sent["next_attempt_at"] is None
    # Left alone once answered: a message queued afterwards arrives, and still the first one was
    # answered 2xx exactly once and tried no more.
    tries = receiver.by_webhook_id()[sent["id"]]
    test = api.client.post(f"/channels/{channel['id']}/test")
    assert test.status_code == 202, test.text
    eventually(lambda: receiver.by_webhook_id()[test.json()["id"]] == 1, within=30)
    answered = [r.status for r in receiver.received() if r.webhook_id == sent["id"]]
    assert answered.count(200) == 1
    assert answered[-1] == 200
    assert receiver.by_webhook_id()[sent["id"]] == tries
    assert api.deliveries(channel["id"])[-1]["attempts"] == tries


def test_a_hanging_receiver_delays_no_other_channel(
    stack: Stack, api: Notifications, project: str
) -> None:
    with Receiver() as slow, Receiver(slack=True) as fast:
        slow.hold()
        hanging = api.add_channel("hangs", slow.url)
        chat = api.add_channel("chat", fast.url, type="slack")
        fail(stack, project, "t1")
        eventually(lambda: slow.received(), within=60)
        # The other channel's message arrives while the first receiver still holds its request:
        # that attempt has not ended (no answer, no timeout recorded in the log).
        (message,) = eventually(lambda: fast.received(), within=30)
        assert not slow.released.is_set()
        (held,) = api.deliveries(hanging["id"])
        assert (held["status"], held["response_code"], held["error"]) == ("pending", None, None)
        slow.release()

    assert message.headers["content-type"].startswith("application/json")
    slack = message.json
    assert "t1" in slack["text"]
    assert project in slack["text"]
    assert isinstance(slack["blocks"], list)
    assert slack["blocks"][0]["type"] == "section"
    assert "webhook-signature" not in message.headers
    eventually(lambda: api.deliveries(chat["id"])[0]["status"] == "sent", within=30)


def test_waiting_for_input_too_long_fires_and_moving_on_first_cancels(
    stack: Stack, api: Notifications, project: str, receiver: Receiver
) -> None:
    api.add_channel("on call", receiver.url)
    api.set_rule("needs_input", after_minutes=1)
    # Both tasks began waiting 40 s ago: the minute is up in 20 s. One moves on meanwhile.
    began = (datetime.now(UTC) - timedelta(seconds=40)).isoformat()
    for task_id in ("waits", "moves-on"):
        report(stack, EventKind.START, project, task_id, timestamp=began)
        report(stack, EventKind.STATUS, project, task_id, status="needs_input", timestamp=began)
    report(stack, EventKind.STATUS, project, "moves-on", status="running", progress=50)

    (fired,) = eventually(lambda: receiver.of_type("task.needs_input"), within=90)
    assert fired.json["task"]["task_id"] == "waits"
    assert fired.json["task"]["status"] == "needs_input"
    # Both waits fell due together: the one that fired shows the other was looked at and dropped.
    assert [r.json["task"]["task_id"] for r in receiver.of_type("task.needs_input")] == ["waits"]
    logged = api.client.get("/deliveries").json()["items"]
    assert [(d["kind"], d["task_id"]) for d in logged] == [("needs_input", "waits")]


def test_a_test_notification_arrives_and_is_logged(api: Notifications, receiver: Receiver) -> None:
    channel = api.add_channel("on call", receiver.url)
    answer = api.client.post(f"/channels/{channel['id']}/test")
    assert answer.status_code == 202, answer.text
    queued = answer.json()
    assert queued["kind"] == "test"
    assert queued["channel_id"] == channel["id"]
    assert queued["status"] in ("pending", "sent")

    (arrived,) = eventually(lambda: receiver.of_type("test"), within=30)
    assert arrived.webhook_id == queued["id"]
    assert Webhook(channel["secret"]).verify(arrived.body, arrived.headers)["task"] is None
    logged = eventually(
        lambda: [d for d in api.deliveries(channel["id"]) if d["status"] == "sent"], within=30
    )
    assert [d["id"] for d in logged] == [queued["id"]]
    assert logged[0]["response_code"] == 200
    assert logged[0]["attempts"] == 1
    shown = api.client.get(f"/channels/{channel['id']}").json()["last_delivery"]
    assert shown["status"] == "sent"
    assert shown["response_code"] == 200


# --- Wired in -------------------------------------------------------------------------------


def test_the_portal_checks_notify_and_documents_its_api_and_its_webhook(stack: Stack) -> None:
    health = httpx.get(f"{stack.url}/health", timeout=15).json()
    assert health["checks"]["notify"] == "ok"
    assert health["replicas"]["notify"] == {"notify": "ok"}
    document = httpx.get(f"{stack.url}/openapi.json", timeout=15).json()
    paths = {p for p in document["paths"] if "/notifications/" in p}
    assert "/api/projects/{project}/notifications/channels/{channel_id}/test" in paths
    assert "/api/projects/{project}/notifications/deliveries" in paths
    assert "Incomplete" not in document["info"].get("description", "")
    assert document.get("webhooks"), "the outgoing webhook is not documented"

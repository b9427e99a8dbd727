"""Deliveries to real receivers on loopback: a rule fires once per incident, webhooks are
signed, failures are retried or given up, a slow receiver delays no other channel, a lease
left by a dead process is taken over, Slack and email get their own shapes."""

import asyncio
import logging
import uuid
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from tests.factories import event
from tests.waiting import eventually_async
from tracker_contracts import EventKind
from tracker_localstack.ports import free_port
from tracker_notify.app import create_app
from tracker_notify.repositories.deliveries import claim_due


@pytest.fixture
def project() -> str:
    return f"p-{uuid.uuid4().hex[:10]}"


def failed(project: str, task_id: str = "t1", **fields):
    return event(EventKind.ERROR, project=project, task_id=task_id, **fields)


async def settled(notify, project, count=1, status="sent", within=15):
    async def check():
        found = await notify.deliveries(project, status=status)
        return found if len(found) >= count else None

    return await eventually_async(check, within=within)


async def test_a_failed_task_is_posted_once_signed(notify, project, receiver) -> None:
    hook = await notify.channel(project, name="h", type="webhook", url=receiver.url("/h"))
    error = failed(project)
    await notify.publish(error, error)  # the same event read twice
    [delivery] = await settled(notify, project)
    await asyncio.sleep(0.5)
    [got] = receiver.at("/h")

    body = Webhook(hook["secret"]).verify(got.body, got.headers)
    assert got.headers["webhook-id"] == delivery["id"] == body["id"]
    assert body["type"] == "task.failed"
    assert body["project"] == project
    assert body["task"]["task_id"] == "t1"
    assert body["task"]["status"] == "failed"
    assert body["task"]["last_message"] == "RuntimeError: Ошибка выполнения"
    assert body["url"] == f"https://tracker.example.org/projects/{project}/tasks/t1"
    assert delivery["summary"] == body["summary"]
    assert (delivery["status"], delivery["attempts"], delivery["response_code"]) == ("sent", 1, 200)
    other_secret = Webhook("whsec_" + "A" * 43 + "=")
    with pytest.raises(WebhookVerificationError):
        other_secret.verify(got.body, got.headers)
    [listed] = (await notify.api.get(f"/api/projects/{project}/notifications/channels")).json()[
        "items"
    ]
    assert listed["last_delivery"]["status"] == "sent"


async def test_a_rule_turned_off_or_aimed_elsewhere_sends_nothing_here(
    notify, project, receiver
) -> None:
    a = await notify.channel(project, name="a", type="webhook", url=receiver.url("/a"))
    await notify.channel(project, name="b", type="webhook", url=receiver.url("/b"))
    rules = f"/api/projects/{project}/notifications/rules"
    await notify.api.put(f"{rules}/task_failed", json={"enabled": True, "channel_ids": [a["id"]]})
    await notify.api.put(f"{rules}/task_finished", json={"enabled": False})
    await notify.publish(event(EventKind.FINISH, project=project, task_id="done"), failed(project))
    await settled(notify, project)
    await asyncio.sleep(0.5)
    assert [r.json()["type"] for r in receiver.received] == ["task.failed"]
    assert len(receiver.at("/a")) == 1


async def test_a_failing_receiver_is_retried_until_it_recovers(notify, project, receiver) -> None:
    receiver.statuses["/flaky"] = [500, 503, 429, 200]
    await notify.channel(project, name="h", type="webhook", url=receiver.url("/flaky"))
    await notify.publish(failed(project))
    [delivery] = await settled(notify, project)
    assert (delivery["attempts"], delivery["response_code"], delivery["error"]) == (4, 200, None)
    ids = {r.headers["webhook-id"] for r in receiver.at("/flaky")}
    assert ids == {delivery["id"]}


async def test_a_refusing_receiver_fails_at_once(notify, project, receiver) -> None:
    receiver.statuses["/gone"] = [410]
    await notify.channel(project, name="h", type="webhook", url=receiver.url("/gone"))
    await notify.publish(failed(project))
    [delivery] = await settled(notify, project, status="failed")
    assert (delivery["attempts"], delivery["response_code"]) == (1, 410)
    assert delivery["error"] == "the receiver answered 410"
    assert delivery["next_attempt_at"] is None


async def test_an_unreachable_receiver_gives_up_after_the_deadline(
    settings, run_notify, project
) -> None:
    async with run_notify(settings.model_copy(update={"give_up_after_seconds": 1.0})) as notify:
        # Nothing listens on this port.
        hook = await notify.channel(
            project, name="h", type="webhook", url=f"http://127.0.0.1:{free_port()}/x"
        )
        await notify.api.post(f"/api/projects/{project}/notifications/channels/{hook['id']}/test")
        [delivery] = await settled(notify, project, status="failed")
    assert delivery["attempts"] >= 2
    assert delivery["error"] == "could not reach the receiver (ConnectError)"


async def test_a_slow_receiver_does_not_delay_another_channel(notify, project, receiver) -> None:
    receiver.delays["/slow"] = 20
    slow = await notify.channel(project, name="slow", type="webhook", url=receiver.url("/slow"))
    await notify.channel(project, name="fast", type="webhook", url=receiver.url("/fast"))
    await notify.publish(*(failed(project, f"t{i}") for i in range(6)))

    async def fast_done():
        return len(receiver.at("/fast")) == 6

    await eventually_async(fast_done, within=15)
    # Every fast delivery arrived while the slow receiver still holds its requests unanswered.
    held = await notify.deliveries(project, channel_id=slow["id"])
    assert held
    assert all(d["status"] != "sent" and d["response_code"] is None for d in held)
    assert 1 <= len(receiver.at("/slow")) <= notify.settings.channel_concurrency


async def test_a_lease_left_by_a_dead_process_is_taken_over(
    notify, project, receiver, sessions
) -> None:
    hook = await notify.channel(project, name="h", type="webhook", url=receiver.url("/h"))
    await notify.app.state.deliverer.stop()
    notify.app.state.loops[1].cancel()  # this process's deliverer stops: it plays the dead one
    test = (
        await notify.api.post(f"/api/projects/{project}/notifications/channels/{hook['id']}/test")
    ).json()
    now = notify.clock()
    async with sessions() as session, session.begin():
        claimed = await claim_due(
            session, now=now, lease_until=now + timedelta(seconds=2), token="dead",
            limit=100, per_channel=100, busy=[],
        )  # fmt: skip
    assert test["id"] in [c.id for c in claimed]

    app = create_app(notify.settings, notify.clock)  # another replica
    async with app.router.lifespan_context(app):
        await asyncio.sleep(1)
        assert receiver.at("/h") == []  # leased to the dead process

        async def delivered():
            return receiver.at("/h")

        [got] = await eventually_async(delivered, within=10)
        assert got.headers["webhook-id"] == test["id"]
        [done] = await settled(notify, project)
    assert done["attempts"] == 2  # the dead process's claim counted


async def test_slack_gets_an_incoming_webhook_message(notify, project, receiver) -> None:
    await notify.channel(project, name="slack", type="slack", url=receiver.url("/services/T0/B0/x"))
    await notify.publish(failed(project, "t<1>"))
    await settled(notify, project)
    [got] = receiver.at("/services/T0/B0/x")
    message = got.json()
    assert message["text"].startswith("Task 'Разработка фичи' (t<1>) failed")
    assert (
        message["blocks"][0]["text"]["text"]
        == f"*Task 'Разработка фичи' (t&lt;1&gt;) failed in project {project}*"
    )
    assert "webhook-signature" not in got.headers


class Inbox:
    def __init__(self) -> None:
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        return "250 OK"


async def test_email_goes_out_over_smtp(settings, run_notify, project) -> None:
    inbox = Inbox()
    port = free_port()
    smtp = Controller(inbox, hostname="127.0.0.1", port=port)
    smtp.start()
    mailing = settings.model_copy(
        update={"smtp_host": "127.0.0.1", "smtp_port": port, "smtp_from": "tracker@example.org"}
    )
    try:
        async with run_notify(mailing) as notify:
            channel = await notify.channel(
                project, name="mail", type="email", to=["ops@example.org", "dev@example.org"]
            )
            test = await notify.api.post(
                f"/api/projects/{project}/notifications/channels/{channel['id']}/test"
            )
            [delivery] = await settled(notify, project)

            async def received():
                return inbox.messages

            [envelope] = await eventually_async(received, within=10)
    finally:
        smtp.stop()
    assert (delivery["id"], delivery["response_code"]) == (test.json()["id"], 250)
    assert envelope.mail_from == "tracker@example.org"
    assert sorted(envelope.rcpt_tos) == ["dev@example.org", "ops@example.org"]
    text = envelope.content.decode()
    assert f"Message-ID: <{delivery['id']}@agent-task-tracker>" in text
    assert "Test notification for channel 'mail'" in text


async def test_email_without_an_smtp_server_fails_saying_so(notify, project) -> None:
    channel = await notify.channel(project, name="mail", type="email", to=["ops@example.org"])
    await notify.api.post(f"/api/projects/{project}/notifications/channels/{channel['id']}/test")
    [delivery] = await settled(notify, project, status="failed")
    assert delivery["error"] == "no SMTP server configured (SMTP_HOST)"


async def test_no_log_line_holds_a_channel_url_or_secret(notify, project, receiver, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    receiver.statuses["/services/T0/B0/SECRETPATH"] = [500, 200]
    await notify.channel(
        project, name="slack", type="slack", url=receiver.url("/services/T0/B0/SECRETPATH")
    )
    hook = await notify.channel(project, name="h", type="webhook", url=receiver.url("/h/SECRET2"))
    await notify.publish(failed(project))
    await settled(notify, project, count=2)
    ours = [r for r in caplog.records if not r.name.startswith("aiohttp")]  # not the receiver's
    logged = "\n".join(record.getMessage() for record in ours)
    assert "delivery dl_" in logged  # the deliveries are logged, by id
    assert "SECRETPATH" not in logged
    assert "SECRET2" not in logged
    assert hook["secret"] not in logged

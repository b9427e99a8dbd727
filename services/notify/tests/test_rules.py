"""When incidents fire: stale tasks from the notices stream, waits for input after their
minutes (by the service's clock, no sleeping), and the debounce bound with its digest."""

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from tests.factories import event
from tests.waiting import eventually_async
from tracker_contracts import (
    EventKind,
    StatusEvent,
    StatusWebhook,
    TaskStaleData,
    TaskStaleMessage,
    TaskStatus,
)
from tracker_notify.due import fire_due_waits
from tracker_notify.kinds import NEEDS_INPUT_STATUS
from tracker_notify.notifying import Policy
from tracker_notify.reacting import react_to_event

POLICY = Policy("https://tracker.example.org", debounce_limit=10, debounce_window_seconds=600)


@pytest.fixture
def project() -> str:
    return f"p-{uuid.uuid4().hex[:10]}"


async def sent(notify, project, count):
    async def check():
        found = await notify.deliveries(project, status="sent")
        return found if len(found) >= count else None

    return await eventually_async(check, within=15)


def stale(project: str, task_id: str, silent_since: datetime) -> TaskStaleMessage:
    data = TaskStaleData(
        task_id=task_id, title="Долгая задача", project=project, agent="a1", progress=40,
        last_event_at=silent_since,
    )  # fmt: skip
    return TaskStaleMessage(data=data)


async def test_a_stale_task_from_the_notices_stream_fires_once(notify, project, receiver) -> None:
    await notify.channel(project, name="h", type="webhook", url=receiver.url("/h"))
    silent_since = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    await notify.announce(stale(project, "quiet", silent_since))
    await notify.announce(stale(project, "quiet", silent_since))  # announced again
    [delivery] = await sent(notify, project, 1)
    await asyncio.sleep(0.5)
    [got] = receiver.at("/h")
    body = got.json()
    assert (body["type"], body["task"]["task_id"], body["task"]["status"]) == (
        "task.stale",
        "quiet",
        "stale",
    )
    assert delivery["kind"] == "task_stale"
    assert delivery["summary"] == f"Task 'Долгая задача' (quiet) went stale in project {project}"

    await notify.announce(stale(project, "quiet", silent_since + timedelta(hours=1)))
    await sent(notify, project, 2)  # a later silence is another incident


def needs_input(project: str, task_id: str, at: datetime) -> StatusEvent:
    """A status event in `needs_input`, built without the contract's validation of statuses
    (the value is not in TaskStatus yet)."""
    webhook = StatusWebhook.model_construct(
        project=project, task="Ответить на вопрос", task_id=task_id, agent="a1",
        status=NEEDS_INPUT_STATUS, progress=30, message="Which branch?", timestamp=at,
    )  # fmt: skip
    return StatusEvent.model_construct(event_id=uuid.uuid4(), received_at=at, payload=webhook)


async def waiting_deliveries(sessions, project):
    async with sessions() as session:
        rows = await session.execute(
            text("SELECT kind, task_id, channel_id FROM notify.deliveries WHERE project = :p"),
            {"p": project},
        )
        return [tuple(r) for r in rows]


async def test_a_task_waiting_for_input_fires_after_its_minutes(notify, project, sessions) -> None:
    hook = await notify.channel(project, name="h", type="webhook", url="https://e.org/h")
    await notify.api.put(
        f"/api/projects/{project}/notifications/rules/needs_input",
        json={"enabled": True, "after_minutes": 10},
    )
    at = datetime.now(UTC)
    async with sessions() as session, session.begin():
        await react_to_event(session, POLICY, needs_input(project, "asks", at), at)
        await react_to_event(session, POLICY, needs_input(project, "answered", at), at)
        # The second task hears back a minute later: its wait ends.
        later = (at + timedelta(minutes=1)).isoformat()
        answer = event(EventKind.STATUS, project=project, task_id="answered", timestamp=later)
        await react_to_event(session, POLICY, answer, at)

    assert await fire_due_waits(sessions, POLICY, at + timedelta(minutes=9)) == 0
    assert await waiting_deliveries(sessions, project) == []
    assert await fire_due_waits(sessions, POLICY, at + timedelta(minutes=10, seconds=1)) >= 1
    assert await waiting_deliveries(sessions, project) == [("needs_input", "asks", hook["id"])]
    assert await fire_due_waits(sessions, POLICY, at + timedelta(hours=1)) == 0


async def test_needs_input_at_zero_minutes_fires_at_once(notify, project, sessions) -> None:
    await notify.channel(project, name="h", type="webhook", url="https://e.org/h")
    await notify.api.put(
        f"/api/projects/{project}/notifications/rules/needs_input",
        json={"enabled": True, "after_minutes": 0},
    )
    at = datetime.now(UTC)
    waiting = needs_input(project, "asks", at)
    for _ in range(2):  # read twice
        async with sessions() as session, session.begin():
            await react_to_event(session, POLICY, waiting, at)
    assert [kind for kind, *_ in await waiting_deliveries(sessions, project)] == ["needs_input"]


async def test_the_due_loop_fires_a_wait_by_the_service_clock(
    notify, project, receiver, sessions
) -> None:
    await notify.channel(project, name="h", type="webhook", url=receiver.url("/h"))
    await notify.api.put(
        f"/api/projects/{project}/notifications/rules/needs_input",
        json={"enabled": True, "after_minutes": 5},
    )
    at = notify.clock()
    async with sessions() as session, session.begin():
        await react_to_event(session, POLICY, needs_input(project, "asks", at), at)
    await asyncio.sleep(0.5)
    assert await notify.deliveries(project) == []
    notify.clock.advance(minutes=6)
    [delivery] = await sent(notify, project, 1)
    assert delivery["kind"] == "needs_input"
    assert receiver.at("/h")[0].json()["type"] == "task.needs_input"


async def test_a_burst_is_bounded_and_the_rest_folded_into_a_digest(
    settings, run_notify, project, receiver
) -> None:
    bounded = settings.model_copy(update={"debounce_limit": 3})
    async with run_notify(bounded) as notify:
        await notify.channel(project, name="h", type="webhook", url=receiver.url("/h"))
        await notify.publish(
            *(event(EventKind.ERROR, project=project, task_id=f"t{i}") for i in range(8))
        )
        await sent(notify, project, 3)
        await asyncio.sleep(1)
        assert len(receiver.at("/h")) == 3

        notify.clock.advance(seconds=600)  # the window ends
        digest = (await sent(notify, project, 4))[0]
        assert digest["summary"] == f"And 5 more tasks failed in project {project}"
        assert digest["task_id"] is None
        body = receiver.at("/h")[-1].json()
        assert (body["type"], body["task"], body["summary"]) == (
            "task.failed",
            None,
            digest["summary"],
        )
        await asyncio.sleep(0.5)
        assert len(receiver.at("/h")) == 4


@pytest.mark.skipif(
    NEEDS_INPUT_STATUS not in {status.value for status in TaskStatus},
    reason="the contracts do not carry the needs_input status yet",
)
async def test_needs_input_from_the_stream_fires_and_a_newer_event_cancels(
    notify, project, receiver
) -> None:
    await notify.channel(project, name="h", type="webhook", url=receiver.url("/h"))
    await notify.api.put(
        f"/api/projects/{project}/notifications/rules/needs_input",
        json={"enabled": True, "after_minutes": 5},
    )
    now = notify.clock()
    asks = event(EventKind.STATUS, project=project, task_id="asks", status=NEEDS_INPUT_STATUS,
                 timestamp=now.isoformat())  # fmt: skip
    answered = event(EventKind.STATUS, project=project, task_id="answered",
                     status=NEEDS_INPUT_STATUS, timestamp=now.isoformat())  # fmt: skip
    answer = event(EventKind.STATUS, project=project, task_id="answered",
                   timestamp=(now + timedelta(seconds=1)).isoformat())  # fmt: skip
    await notify.publish(asks, answered, answer)
    await asyncio.sleep(1)
    notify.clock.advance(minutes=6)
    [delivery] = await sent(notify, project, 1)
    assert delivery["task_id"] == "asks"

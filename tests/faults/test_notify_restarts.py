"""Notifications while a notify replica is killed (SIGKILL) in the middle of delivering.

Two notify replicas behind the real gateway, as `make run` runs them. Many tasks fail, each one
incident for a webhook channel whose receiver answers slowly, so that deliveries are in flight
(and error events still arriving) when the second replica is killed; `make run`'s supervisor
starts it again. Then: every incident of an accepted error webhook was delivered (its task
arrived at least once), no incident came as two distinct messages (two deliveries, two
webhook-ids), and a message that came more than once came with the same webhook-id each time
(at least once: a delivery whose process died before it recorded the answer is sent again
after its lease). The ledger line counts the repeats.
"""

import asyncio
import re
import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import httpx
import pytest

from tests.e2e.stack import NOTIFY_PACE, Stack, running_stack
from tests.factories import body
from tests.receivers import Receiver
from tests.waiting import eventually
from tracker_contracts import EventKind

from .ledger import OK, SUMMARIES, UNKNOWN, new_project

INCIDENTS = 300
LEASE_SECONDS = 15
"""A killed replica's claims are sent again this long after they were claimed."""
REPORT_PACE = 20
"""Tasks failing per second at most: the 300 take 15 s, and the kill comes in the middle."""
SLOW_ANSWER_SECONDS = 0.3
"""Each answer's wait: with 2 replicas of 4 deliveries in flight each, about 25 a second."""


@pytest.fixture
def two_notifiers(postgres_admin_url: str, redis_url: str, tmp_path: Path) -> Iterator[Stack]:
    with running_stack(
        postgres_admin_url,
        redis_url,
        tmp_path,
        NOTIFY_REPLICAS="2",
        NOTIFY_LEASE_SECONDS=str(LEASE_SECONDS),
        NOTIFY_CLAIM_IDLE_MS="2000",  # a dead consumer's stream entries are taken over soon
        NOTIFY_DEBOUNCE_LIMIT="100000",  # every incident its own message, none folded
        RATE_LIMIT_AVERAGE="100000",
        RATE_LIMIT_BURST="100000",
        **NOTIFY_PACE,
    ) as stack:
        yield stack


@pytest.mark.timeout(900)
def test_every_incident_is_delivered_when_a_notify_replica_is_killed_mid_delivery(
    two_notifiers: Stack,
) -> None:
    stack = two_notifiers
    project = new_project()
    api = f"{stack.url}/api/projects/{project}/notifications"
    with Receiver(delay=SLOW_ANSWER_SECONDS) as receiver:
        created = httpx.post(
            f"{api}/channels",
            json={"name": "on call", "type": "webhook", "url": receiver.url},
            headers=stack.headers("operator"),
            timeout=15,
        )
        assert created.status_code == 201, created.text
        outcomes: dict[str, str] = {}
        reporting = threading.Thread(
            target=lambda: asyncio.run(_fail_tasks(stack, project, outcomes)), daemon=True
        )
        reporting.start()

        # Kill the second replica once deliveries flow, while some are in flight and tasks
        # are still failing.
        eventually(lambda: len(receiver.received()) >= INCIDENTS // 10, within=120)
        victim = stack.replica_process("notify", 2)
        victim.kill()
        victim.wait(timeout=30)
        killed_with, reported_by_then = len(receiver.received()), len(outcomes)
        reporting.join(timeout=300)
        assert not reporting.is_alive()

        accepted = {task for task, outcome in outcomes.items() if outcome == OK}
        maybe = {task for task, outcome in outcomes.items() if outcome == UNKNOWN}

        def delivered() -> set[str]:
            return {r.json["task"]["task_id"] for r in receiver.of_type("task.failed")}

        eventually(lambda: delivered() >= accepted, within=LEASE_SECONDS * 8)
        # Nothing left in the log to send: every delivery of the project is sent.
        eventually(lambda: _all_sent(stack, api), within=LEASE_SECONDS * 4)
        received = receiver.of_type("task.failed")

    messages_per_task: dict[str, set[str]] = {}
    for request in received:
        messages_per_task.setdefault(request.json["task"]["task_id"], set()).add(request.webhook_id)
    per_id = Counter(r.webhook_id for r in received)
    missing = sorted(accepted - delivered())
    doubled = sorted(task for task, ids in messages_per_task.items() if len(ids) > 1)
    strangers = sorted(set(messages_per_task) - accepted - maybe)
    repeats = sum(n - 1 for n in per_id.values())
    summary = (
        f"ledger[notify: kill -9 one of 2 replicas mid-delivery]: incidents sent={len(outcomes)} "
        f"ok={len(accepted)} unknown={len(maybe)} | received={len(received)} "
        f"(at the kill {killed_with}, of {reported_by_then} reported) "
        f"distinct messages={len(per_id)} missing={len(missing)} "
        f"doubled={len(doubled)} unexpected={len(strangers)} | repeated webhook-ids="
        f"{sum(1 for n in per_id.values() if n > 1)} ({repeats} repeats, at least once)"
    )
    SUMMARIES.append(summary)
    assert not missing, summary
    assert not doubled, summary
    assert not strangers, summary
    output = stack.output.read_text()
    assert re.search(r"notify\.2 \(pid \d+\) was killed by SIGKILL .* restarting it", output)
    back = eventually(lambda: _health(stack)["replicas"].get("notify.2") == {"notify": "ok"}, 120)
    assert back


async def _fail_tasks(stack: Stack, project: str, outcomes: dict[str, str]) -> None:
    """A start and an error webhook for each of INCIDENTS tasks, a few at a time, at most
    REPORT_PACE tasks a second; each task's outcome into `outcomes`."""
    async with aiohttp.ClientSession(
        base_url=stack.url,
        headers=stack.headers("agent"),
        timeout=aiohttp.ClientTimeout(total=15),
    ) as client:

        async def fail(task_id: str) -> None:
            outcome = OK
            for kind in (EventKind.START, EventKind.ERROR):
                try:
                    payload = body(kind, project=project, task_id=task_id)
                    async with client.post(f"/webhook/{kind}", json=payload) as answer:
                        if answer.status != 202:
                            outcome = UNKNOWN
                except (aiohttp.ClientError, TimeoutError):
                    outcome = UNKNOWN
            outcomes[task_id] = outcome

        tasks = [f"t{i}" for i in range(INCIDENTS)]
        for start in range(0, INCIDENTS, 8):
            await asyncio.gather(
                *(fail(task) for task in tasks[start : start + 8]), asyncio.sleep(8 / REPORT_PACE)
            )


def _all_sent(stack: Stack, api: str) -> bool:
    statuses: Counter[str] = Counter()
    before = None
    while True:
        params = {"limit": 200, **({"before": before} if before else {})}
        page = httpx.get(
            f"{api}/deliveries", params=params, headers=stack.headers("dashboard"), timeout=15
        ).json()
        statuses.update(d["status"] for d in page["items"])
        before = page["next_before"]
        if not before:
            return set(statuses) == {"sent"}


def _health(stack: Stack) -> dict[str, dict[str, dict[str, str]]]:
    answer: dict[str, dict[str, dict[str, str]]] = httpx.get(
        f"{stack.url}/health", timeout=10
    ).json()
    return answer

"""Dead letters through the real gateway: an admin lists them, re-drives one (applied exactly
once, a second re-drive refused) and discards another with `make dead-letters`' command."""

import os
import subprocess
import sys
import uuid
from datetime import UTC, datetime

import httpx
from redis import Redis

from tests.factories import event
from tests.waiting import eventually
from tracker_contracts import EventKind

from .conftest import Stack


def dead_letters_cli(stack: Stack, *args: str) -> subprocess.CompletedProcess[str]:
    """The command `make dead-letters ARGS=...` runs, with the operator's admin key."""
    return subprocess.run(
        [sys.executable, "-m", "tracker_query.dead_letters_cli", "--url", stack.url, *args],
        env={**os.environ, "API_KEY": stack.keys["operator"]},
        capture_output=True,
        text=True,
        timeout=60,
    )


def consumed(redis: Redis, stack: Stack) -> bool:
    """The query service's group has read and acknowledged every entry of the stream."""
    [group] = [g for g in redis.xinfo_groups(stack.events_stream) if g["name"] == b"query"]
    [(last, _)] = redis.xrevrange(stack.events_stream, count=1)
    return bool(group["last-delivered-id"] == last and group["pending"] == 0)


def test_an_admin_lists_redrives_once_and_discards_dead_letters(stack: Stack) -> None:
    admin, reader = stack.headers("operator"), stack.headers("dashboard")
    api = httpx.Client(base_url=stack.url, timeout=10)
    redis = Redis.from_url(stack.redis_url)
    project, marker = f"dead-letters-{uuid.uuid4().hex[:8]}", f"unreadable-{uuid.uuid4()}"

    # An entry that is not an event: the consumer sets it aside at once.
    redis.xadd(stack.events_stream, {"note": marker})
    # A decodable event, set aside earlier (by a version that kept only the event's JSON) while
    # its cause (say, the database refusing it) stood; the cause has been fixed since.
    started = event(EventKind.START, project=project, task_id="t")
    redis.xadd(
        f"{stack.events_stream}:dead-letters",
        {
            "entry_id": "1-0",
            "reason": "CheckViolation: refused for now",
            "failed_at": datetime.now(UTC).isoformat(),
            "event": started.model_dump_json(),
        },
    )

    def unreadable() -> list[dict]:
        page = api.get(
            "/api/dead-letters", params={"reason": "not a valid event"}, headers=admin
        ).json()
        return [e for e in page["entries"] if e["event"] == {"note": marker}]

    [unread] = eventually(unreadable)
    assert api.get("/api/dead-letters", headers=reader).status_code == 403
    assert api.get("/api/dead-letters/summary", headers=admin).json()["count"] >= 2

    def said_by_health() -> bool:
        figures = api.get("/health").json()["dead_letters"]
        return figures is not None and figures["count"] >= 2

    eventually(said_by_health)

    [letter] = api.get("/api/dead-letters", params={"project": project}, headers=admin).json()[
        "entries"
    ]
    assert letter["event"]["event_id"] == str(started.event_id)
    shown = api.get(f"/api/dead-letters/{letter['id']}", headers=admin)
    assert shown.json() == letter
    assert api.post(f"/api/dead-letters/{letter['id']}/redrive", headers=reader).status_code == 403
    redriven = api.post(f"/api/dead-letters/{letter['id']}/redrive", headers=admin)
    assert redriven.status_code == 200
    again = api.post(f"/api/dead-letters/{letter['id']}/redrive", headers=admin)
    assert again.status_code == 404

    eventually(lambda: consumed(redis, stack))
    task = api.get(f"/api/projects/{project}/tasks/t", headers=reader).json()
    assert [e["event_id"] for e in task["events"]] == [str(started.event_id)]
    assert task["status"] == "running"

    discarded = dead_letters_cli(stack, "discard", unread["id"])
    assert discarded.returncode == 0, discarded.stderr
    assert discarded.stdout.strip() == f"discarded {unread['id']}"
    gone = dead_letters_cli(stack, "show", unread["id"])
    assert gone.returncode == 1
    assert "404" in gone.stderr
    listed = dead_letters_cli(stack, "list", "--project", project)
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout == ""
    assert "0 shown" in listed.stderr
    assert unreadable() == []

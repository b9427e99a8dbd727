"""A key limited to some projects, through the real gateway: nothing of the other projects."""

import secrets
import uuid

import httpx

from tests.factories import body
from tests.waiting import eventually

from .conftest import Stack

HEADER = "# name:scope:key, one per line\n"


def test_a_limited_key_sees_an_agent_only_in_its_projects(stack: Stack) -> None:
    seen, hidden = f"seen-{uuid.uuid4().hex[:8]}", f"hidden-{uuid.uuid4().hex[:8]}"
    agent = f"coder-{uuid.uuid4().hex[:8]}"
    key = secrets.token_urlsafe(24)
    with httpx.Client(base_url=stack.url) as client:

        def post(kind: str, project: str, task_id: str, timestamp: str) -> None:
            fields = {"project": project, "task_id": task_id, "agent": agent}
            answer = client.post(
                f"/webhook/{kind}",
                json=body(kind, **fields, timestamp=timestamp),
                headers=stack.headers("agent"),
            )
            assert answer.status_code == 202, answer.text

        post("start", seen, "s1", "2026-03-01T10:00:00Z")
        post("finish", hidden, "h1", "2026-03-01T12:00:00Z")

        def agent_as(headers: dict[str, str]) -> dict[str, object] | None:
            answer = client.get(f"/api/agents/{agent}", headers=headers)
            return answer.json() if answer.status_code == 200 else None

        everything = eventually(
            lambda: (a := agent_as(stack.headers("operator"))) and len(a["projects"]) == 2 and a
        )
        stack.keys_file.write_text(f"{HEADER}limited:read:{key}:{seen}\n")
        try:
            limited = eventually(lambda: agent_as({"X-API-Key": key}), within=10)
        finally:
            stack.keys_file.write_text(HEADER)

    assert everything["projects"] == sorted([seen, hidden])
    assert limited["projects"] == [seen]
    assert (limited["total_tasks"], limited["completed_tasks"]) == (1, 0)
    assert limited["last_seen"] == "2026-03-01T10:00:00Z"
    assert limited["last_seen"] != everything["last_seen"]

"""/api/agents as keys limited to some projects see it: nothing from the other projects."""

import uuid
from datetime import datetime

from tests.factories import event
from tracker_contracts import EventKind, encode_projects


def limited_to(*projects: str) -> dict[str, str]:
    """The identity headers of a read key limited to `projects`, as the gateway stamps them."""
    return {
        "X-Auth-Key-Name": "limited",
        "X-Auth-Key-Scope": "read",
        "X-Auth-Projects": encode_projects(projects),
    }


async def test_a_limited_key_sees_only_its_projects_of_an_agent(api, apply) -> None:
    seen, hidden = f"seen-{uuid.uuid4().hex[:8]}", f"hidden {uuid.uuid4().hex[:8]}"
    coder, loner = f"coder-{uuid.uuid4().hex[:8]}", f"loner-{uuid.uuid4().hex[:8]}"
    # First in the hidden project, in a transaction of its own: the agent is recorded then.
    await apply(event(EventKind.START, 0, project=hidden, task_id="h1", agent=coder))
    await apply(
        event(EventKind.START, 3, project=seen, task_id="s1", agent=coder),
        event(EventKind.STATUS, 5, project=seen, task_id="s1", agent=coder, progress=50),
        event(EventKind.FINISH, 9, project=hidden, task_id="h1", agent=coder),
        event(EventKind.START, 10, project=hidden, task_id="h2", agent=loner),
    )

    everything = (await api.get(f"/api/agents/{coder}")).json()
    assert everything["projects"] == sorted([seen, hidden])
    assert everything["last_seen"] == "2026-01-01T10:00:09Z"

    headers = limited_to(seen)
    one = await api.get(f"/api/agents/{coder}", headers=headers)
    assert one.status_code == 200, one.text
    agent = one.json()
    assert agent["projects"] == [seen]
    counts = ("total_tasks", "active_tasks", "completed_tasks", "failed_tasks")
    assert [agent[count] for count in counts] == [1, 1, 0, 0]
    assert agent["success_rate"] is None
    # The hidden project's finish came last (10:00:09): only the seen project's status shows.
    assert agent["last_seen"] == "2026-01-01T10:00:05Z"
    # Recorded with its hidden task first: seen here only from its task in this project.
    assert datetime.fromisoformat(agent["first_seen"]) > datetime.fromisoformat(
        everything["first_seen"]
    )

    listed = (await api.get("/api/agents", headers=headers)).json()
    assert [a["name"] for a in listed] == [coder]
    assert listed[0] == agent
    assert (await api.get(f"/api/agents/{loner}", headers=headers)).status_code == 404
    # A key that sees both projects gets the agent's own times back.
    both = (await api.get(f"/api/agents/{coder}", headers=limited_to(seen, hidden))).json()
    assert (both["last_seen"], both["projects"]) == ("2026-01-01T10:00:09Z", sorted([seen, hidden]))

"""The inbox: tasks needing a person, across projects, oldest first; dismissing; its plan."""

from datetime import UTC, datetime
from typing import Any

import pytest

from tests.factories import T0, event
from tests.plans import plan_of, sent_statements
from tests.sql import execute
from tracker_contracts import EventKind
from tracker_query.repositories.inbox import InboxFilter, inbox_counts, inbox_page
from tracker_query.settings import QuerySettings
from tracker_query.sweeps import mark_silent_tasks_stale

ADMIN = {"X-Auth-Key-Scope": "admin"}
READER = {"X-Auth-Key-Scope": "read"}
EVER = {"failed_within": "P3650D"}
"""The events of these tests happened at T0; this keeps their failures in the inbox."""


@pytest.fixture
def settings(empty_database_url: str, redis_url: str, events_stream: str) -> QuerySettings:
    """The inbox spans the whole database, so each test here has one of its own."""
    return QuerySettings(
        database_url=empty_database_url, redis_url=redis_url, events_stream=events_stream
    )


async def go_stale(settings: QuerySettings, sessions: Any) -> None:
    """Let an hour pass for the running tasks and run the stale sweep over them."""
    await execute(
        settings.database_url, "UPDATE tasks SET updated_at = updated_at - interval '2 hours'"
    )
    async with sessions() as session, session.begin():
        await mark_silent_tasks_stale(session, 3600)


async def inbox(api, **params: Any) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    response = await api.get("/api/inbox", params={**EVER, **params})
    assert response.status_code == 200, response.text
    return dict(response.json())


def listed(answer: dict[str, Any]) -> list[tuple[str, str]]:
    return [(t["task_id"], t["reason"]) for t in answer["tasks"]]


async def seed(api, apply, settings, sessions) -> None:  # type: ignore[no-untyped-def]
    await apply(
        event(EventKind.START, 10, project="a", task_id="silent"),
        event(EventKind.START, 0, project="a", task_id="asks"),
        event(
            EventKind.STATUS,
            30,
            project="a",
            task_id="asks",
            status="needs_input",
            progress=40,
            message="Claude needs your permission to use Bash",
        ),
        event(EventKind.START, 0, project="b", task_id="broke"),
        event(EventKind.ERROR, 20, project="b", task_id="broke"),
        event(EventKind.START, 0, project="b", task_id="done"),
        event(EventKind.FINISH, 5, project="b", task_id="done"),
    )
    await go_stale(settings, sessions)
    await apply(
        event(EventKind.START, 40, project="b", task_id="works"),
        event(EventKind.STATUS, 50, project="b", task_id="pauses", status="paused"),
        event(EventKind.STATUS, 60, project="b", task_id="asks-too", status="needs_input"),
    )


async def test_the_inbox_lists_what_needs_a_person_oldest_first(
    api, apply, settings, sessions
) -> None:
    await seed(api, apply, settings, sessions)
    answer = await inbox(api)
    assert listed(answer) == [
        ("silent", "stale"),
        ("broke", "failed"),
        ("asks", "needs_input"),
        ("asks-too", "needs_input"),
    ]
    assert (answer["total"], answer["counts"]) == (4, {"needs_input": 2, "failed": 1, "stale": 1})
    asks = answer["tasks"][2]
    assert asks["since"] == "2026-01-01T10:00:30Z"
    expected_wait = (datetime.now(UTC) - (T0.replace(second=30))).total_seconds()
    assert expected_wait - 60 < asks["waiting_seconds"] <= expected_wait + 1
    assert (asks["project"], asks["title"], asks["agent"], asks["progress"]) == (
        "a",
        "Разработка фичи",
        "claude-3-5",
        40,
    )
    assert asks["message"] == "Claude needs your permission to use Bash"
    broke = answer["tasks"][1]
    assert (broke["error_type"], broke["error_message"]) == ("RuntimeError", "Ошибка выполнения")

    only_b = await inbox(api, project="b", reason=["failed", "needs_input"])
    assert listed(only_b) == [("broke", "failed"), ("asks-too", "needs_input")]
    assert only_b["counts"] == {"needs_input": 1, "failed": 1}


async def test_a_task_leaves_the_inbox_with_its_next_event(api, apply, settings, sessions) -> None:
    await seed(api, apply, settings, sessions)
    await apply(
        event(EventKind.STATUS, 70, project="a", task_id="asks", status="running"),
        event(EventKind.STATUS, 70, project="a", task_id="silent", progress=10),
        # Older than the wait it would end: only history.
        event(EventKind.STATUS, 55, project="b", task_id="asks-too", status="running"),
    )
    assert listed(await inbox(api)) == [("broke", "failed"), ("asks-too", "needs_input")]


async def test_failures_leave_after_the_window(api, apply) -> None:
    recent = (datetime.now(UTC) - T0).total_seconds() - 3600
    await apply(
        event(EventKind.ERROR, 0, project="a", task_id="long-ago"),
        event(EventKind.ERROR, recent, project="a", task_id="an-hour-ago"),
    )
    default = (await api.get("/api/inbox")).json()
    assert listed(default) == [("an-hour-ago", "failed")]
    assert listed(await inbox(api, failed_within=60)) == []
    assert len((await inbox(api, failed_within="P3650D"))["tasks"]) == 2
    bad = await api.get("/api/inbox", params={"failed_within": "soon"})
    assert (bad.status_code, bad.json()["detail"][0]["loc"]) == (422, ["query", "failed_within"])


async def test_the_inbox_pages_by_cursor(api, apply) -> None:
    await apply(
        *(
            event(EventKind.STATUS, i % 3, project="p", task_id=f"t{i}", status="needs_input")
            for i in range(7)
        )
    )
    seen: list[str] = []
    cursor: str | None = None
    for _ in range(4):
        params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        response = await api.get("/api/inbox", params=params)
        assert response.json()["total"] == 7
        seen += [t["task_id"] for t in response.json()["tasks"]]
        cursor = response.headers.get("X-Next-Cursor")
        if cursor is None:
            break
    assert cursor is None
    assert seen == ["t0", "t3", "t6", "t1", "t4", "t2", "t5"]
    bad = await api.get("/api/inbox", params={"cursor": "nonsense"})
    assert (bad.status_code, bad.json()["detail"][0]["loc"]) == (422, ["query", "cursor"])


async def test_a_key_limited_to_projects_sees_only_their_inbox(api, apply) -> None:
    await apply(
        event(EventKind.STATUS, 0, project="a", task_id="t1", status="needs_input"),
        event(EventKind.STATUS, 1, project="b", task_id="t2", status="needs_input"),
    )
    limited = {"X-Auth-Projects": "b"}
    answer = (await api.get("/api/inbox", headers=limited)).json()
    assert (listed(answer), answer["total"]) == ([("t2", "needs_input")], 1)
    outside = await api.get("/api/inbox", params={"project": "a"}, headers=limited)
    assert outside.status_code == 403
    dismiss = {"project": "a", "task_id": "t1"}
    assert (
        await api.post("/api/inbox/dismiss", json=dismiss, headers={**ADMIN, **limited})
    ).status_code == 403


async def test_dismissing_hides_a_failed_task_until_its_next_event(api, apply) -> None:
    await apply(
        event(EventKind.ERROR, 0, project="p", task_id="broke"),
        event(EventKind.STATUS, 1, project="p", task_id="asks", status="needs_input"),
    )
    broke = {"project": "p", "task_id": "broke"}
    assert (await api.post("/api/inbox/dismiss", json=broke, headers=READER)).status_code == 403
    assert listed(await inbox(api)) == [("broke", "failed"), ("asks", "needs_input")]

    assert (await api.post("/api/inbox/dismiss", json=broke, headers=ADMIN)).status_code == 204
    answer = await inbox(api)
    assert (listed(answer), answer["counts"]["failed"]) == ([("asks", "needs_input")], 0)
    task = (await api.get("/api/projects/p/tasks/broke")).json()
    assert task["status"] == "failed"

    asks = await api.post("/api/inbox/dismiss", json={"project": "p", "task_id": "asks"})
    assert asks.status_code == 409
    assert "needs_input" in asks.json()["detail"]
    missing = await api.post("/api/inbox/dismiss", json={"project": "p", "task_id": "none"})
    assert missing.status_code == 404
    no_project = await api.post("/api/inbox/dismiss", json={"project": "q", "task_id": "broke"})
    assert no_project.status_code == 404

    await apply(event(EventKind.ERROR, 30, project="p", task_id="broke", error_message="again"))
    back = (await inbox(api))["tasks"][-1]
    assert (back["task_id"], back["error_message"]) == ("broke", "again")


# A tracker of 100,000 tasks, a few hundred of them in the inbox and thousands of old failures
# outside its window. (Written without the task-totals trigger, which the inbox does not read.)
_FILL = """
    SET session_replication_role = replica;
    INSERT INTO projects (name) SELECT 'project-' || i FROM generate_series(1, 50) AS i;
    INSERT INTO agents (name) VALUES ('agent');
    INSERT INTO tasks (project_id, task_id, title, agent_id, status, progress, started_at,
                       last_event_at, updated_at)
    SELECT p.id, 'task-' || i, 'Task ' || i, a.id,
           CASE WHEN i % 500 = 0 THEN 'needs_input' WHEN i % 500 = 1 THEN 'stale'
                WHEN i % 20 = 2 THEN 'failed' WHEN i % 10 = 3 THEN 'running'
                ELSE 'completed' END,
           0, now() - make_interval(secs => i), now() - make_interval(secs => i), now()
    FROM generate_series(1, 100000) AS i
    JOIN projects AS p ON p.name = 'project-' || (1 + i % 50), agents AS a;
    RESET session_replication_role;
    ANALYZE;
"""


async def test_the_inbox_reads_its_tasks_by_index(sessions, settings) -> None:
    await execute(settings.database_url, _FILL)
    where = InboxFilter(failed_since=datetime.now(UTC).replace(microsecond=0))
    limited = InboxFilter(projects=["project-1", "project-2"], failed_since=where.failed_since)
    async with sessions() as session:
        connection = await session.connection()
        plans = []
        for filters in (where, limited):
            for read in (
                lambda: inbox_page(session, filters, 50),
                lambda: inbox_counts(session, filters),
            ):
                for statement in await sent_statements(connection, read):
                    plans.append(await plan_of(connection, *statement))
                    await connection.exec_driver_sql("DEALLOCATE planned")
        page = await inbox_page(session, where, 50)
        await session.rollback()
    assert len(page.rows) == 50
    assert [row.reason for row in page.rows[:2]] == ["needs_input", "stale"]
    for plan in plans:
        assert "Seq Scan on tasks" not in plan, plan
    # A page of every project merges the three reasons read in order from the inbox index.
    first_page = plans[0]
    assert "Merge Append" in first_page, first_page
    assert first_page.count("Index Only Scan using ix_tasks_inbox") == 3, first_page

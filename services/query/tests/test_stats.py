import pytest

from tests.factories import event
from tracker_contracts import EventKind
from tracker_query.settings import QuerySettings


@pytest.fixture
def settings(empty_database_url: str, redis_url: str, events_stream: str) -> QuerySettings:
    """Totals span the whole database, so each test here has one of its own."""
    return QuerySettings(
        database_url=empty_database_url, redis_url=redis_url, events_stream=events_stream
    )


async def test_stats_of_an_empty_tracker(api) -> None:
    assert (await api.get("/api/stats")).json() == {
        "total_projects": 0,
        "total_tasks": 0,
        "active_tasks": 0,
        "completed_tasks": 0,
        "failed_tasks": 0,
        "average_duration": None,
    }


async def test_stats_count_tasks_by_outcome(api, apply) -> None:
    await apply(
        event(EventKind.START, 0, project="a", task_id="running"),
        event(EventKind.STATUS, 0, project="a", task_id="paused", status="paused"),
        event(EventKind.FINISH, 1, project="a", task_id="done-1", duration_seconds=100),
        event(EventKind.FINISH, 2, project="b", task_id="done-2", duration_seconds=301),
        event(EventKind.START, 3, project="b", task_id="broken"),
        event(EventKind.ERROR, 4, project="b", task_id="broken"),
    )
    assert (await api.get("/api/stats")).json() == {
        "total_projects": 2,
        "total_tasks": 5,
        "active_tasks": 2,
        "completed_tasks": 2,
        "failed_tasks": 1,
        "average_duration": 200.5,
    }


async def test_a_key_limited_to_projects_sees_only_those(api, apply) -> None:
    await apply(
        event(EventKind.START, 0, project="a", task_id="t1"),
        event(EventKind.FINISH, 1, project="b", task_id="t2", duration_seconds=10),
        event(EventKind.START, 2, project="c d", task_id="t3"),
    )
    limited = {"X-Auth-Projects": "a|c%20d"}
    projects = (await api.get("/api/projects", headers=limited)).json()
    assert [p["name"] for p in projects] == ["a", "c d"]
    stats = (await api.get("/api/stats", headers=limited)).json()
    assert (stats["total_projects"], stats["total_tasks"], stats["completed_tasks"]) == (2, 2, 0)
    assert (await api.get("/api/dead-letters", headers=limited)).status_code == 403
    assert (await api.get("/api/dead-letters")).status_code == 200


async def test_agents_show_their_projects_and_outcomes(api, apply) -> None:
    await apply(
        event(EventKind.START, 0, project="a", task_id="t1", agent="coder"),
        event(EventKind.FINISH, 1, project="a", task_id="t1", agent="coder"),
        event(EventKind.ERROR, 2, project="b", task_id="t2", agent="coder"),
        event(EventKind.FINISH, 3, project="b", task_id="t3", agent="coder"),
        event(EventKind.START, 4, project="b", task_id="t4", agent="coder"),
        event(EventKind.START, 5, project="a", task_id="t5", agent="planner"),
    )
    agents = (await api.get("/api/agents")).json()
    assert [a["name"] for a in agents] == ["coder", "planner"]
    coder = (await api.get("/api/agents/coder")).json()
    assert coder["projects"] == ["a", "b"]
    counts = ("total_tasks", "active_tasks", "completed_tasks", "failed_tasks")
    assert [coder[k] for k in counts] == [4, 1, 2, 1]
    assert coder["success_rate"] == 2 / 3
    assert coder["last_seen"] == "2026-01-01T10:00:04Z"
    planner = agents[1]
    assert (planner["success_rate"], planner["active_tasks"]) == (None, 1)

    limited = (await api.get("/api/agents/coder", headers={"X-Auth-Projects": "a"})).json()
    assert (limited["projects"], limited["total_tasks"]) == (["a"], 1)
    assert (await api.get("/api/agents/nobody")).status_code == 404

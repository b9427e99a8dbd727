from datetime import UTC, datetime

import pytest

from tests.factories import event
from tests.plans import plan_of, sent_statements
from tracker_contracts import EventKind
from tracker_query.repositories import stats
from tracker_query.settings import QuerySettings

NO_USAGE = {
    "input_tokens": 0,
    "output_tokens": 0,
    "cache_read_tokens": 0,
    "cache_write_tokens": 0,
    "cost": {},
}


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
        "needs_input_tasks": 0,
        "completed_tasks": 0,
        "failed_tasks": 0,
        "average_duration": None,
        "usage": NO_USAGE,
    }


async def test_stats_count_tasks_by_outcome(api, apply) -> None:
    await apply(
        event(EventKind.START, 0, project="a", task_id="running"),
        event(EventKind.STATUS, 0, project="a", task_id="paused", status="paused"),
        event(EventKind.STATUS, 0, project="b", task_id="asks", status="needs_input"),
        event(EventKind.FINISH, 1, project="a", task_id="done-1", duration_seconds=100),
        event(EventKind.FINISH, 2, project="b", task_id="done-2", duration_seconds=301),
        event(EventKind.START, 3, project="b", task_id="broken"),
        event(EventKind.ERROR, 4, project="b", task_id="broken"),
    )
    assert (await api.get("/api/stats")).json() == {
        "total_projects": 2,
        "total_tasks": 6,
        "active_tasks": 3,
        "needs_input_tasks": 1,
        "completed_tasks": 2,
        "failed_tasks": 1,
        "average_duration": 200.5,
        "usage": NO_USAGE,
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


async def seed_history(apply) -> None:  # type: ignore[no-untyped-def]
    """Ten tasks over two projects and two agents, starting a minute apart."""
    events = []
    for i in range(10):
        project, agent = ("alpha" if i % 2 else "beta"), ("coder" if i < 6 else "tester")
        fields = {"project": project, "task_id": f"t{i}", "agent": agent}
        events.append(event(EventKind.START, i * 60, **fields))
        if i < 7:
            events.append(
                event(EventKind.FINISH, i * 60 + 30, duration_seconds=(i + 1) * 10, **fields)
            )
        elif i < 9:
            error_type = "TimeoutError" if i == 7 else "ValueError"
            events.append(event(EventKind.ERROR, i * 60 + 30, error_type=error_type, **fields))
    await apply(*events)


async def test_stats_filter_by_project_agent_and_start_window(api, apply) -> None:
    await seed_history(apply)

    async def stats(query: str) -> dict:
        response = await api.get(f"/api/stats?{query}")
        assert response.status_code == 200, response.text
        return response.json()

    everything = await stats("")
    assert (everything["total_tasks"], everything["completed_tasks"]) == (10, 7)
    alpha = await stats("project=alpha")
    assert (alpha["total_projects"], alpha["total_tasks"], alpha["failed_tasks"]) == (1, 5, 1)
    tester = await stats("agent=tester")
    assert (tester["total_tasks"], tester["active_tasks"], tester["failed_tasks"]) == (4, 1, 2)
    window = await stats("since=2026-01-01T10:02:00Z&until=2026-01-01T10:05:00Z")
    assert (window["total_tasks"], window["average_duration"]) == (3, 40.0)
    both = await stats("project=alpha&project=beta&agent=coder")
    assert both["total_tasks"] == 6
    assert (
        await api.get("/api/stats?since=2026-01-02T00:00:00Z&until=2026-01-01T00:00:00Z")
    ).status_code == 422


async def test_per_project_outcomes_errors_and_percentiles(api, apply) -> None:
    await seed_history(apply)
    projects = {p["project"]: p for p in (await api.get("/api/stats/projects")).json()}
    assert sorted(projects) == ["alpha", "beta"]
    assert (projects["alpha"]["completed_tasks"], projects["alpha"]["success_rate"]) == (3, 0.75)

    outcomes = (await api.get("/api/stats/outcomes")).json()
    assert outcomes["success_rate"] == 7 / 9
    durations = outcomes["durations"]
    assert durations["count"] == 7
    assert (durations["p50"], durations["longest"], durations["average"]) == (40.0, 70.0, 40.0)
    assert durations["p90"] == 64.0

    errors = (await api.get("/api/stats/errors")).json()
    assert [(e["error_type"], e["count"]) for e in errors] == [
        ("TimeoutError", 1),
        ("ValueError", 1),
    ]
    assert errors[0]["latest_message"] == "Ошибка выполнения"


async def test_time_series_buckets_starts_and_outcomes(api, apply) -> None:
    await seed_history(apply)
    response = await api.get(
        "/api/stats/timeseries?bucket=minute&since=2026-01-01T10:00:00Z&until=2026-01-01T10:12:00Z"
    )
    assert response.status_code == 200
    points = response.json()["points"]
    assert len(points) == 12
    assert [p["started"] for p in points] == [1] * 10 + [0, 0]
    assert [p["completed"] for p in points] == [1] * 7 + [0] * 5
    assert [p["failed"] for p in points] == [0] * 7 + [1, 1, 0, 0, 0]
    assert points[0]["start"] == "2026-01-01T10:00:00Z"
    too_many = await api.get("/api/stats/timeseries?bucket=minute&since=2025-01-01T00:00:00Z")
    assert too_many.status_code == 422


async def test_a_limited_key_gets_only_its_projects_in_statistics(api, apply) -> None:
    await seed_history(apply)
    limited = {"X-Auth-Projects": "alpha"}
    assert (await api.get("/api/stats", headers=limited)).json()["total_tasks"] == 5
    projects = (await api.get("/api/stats/projects", headers=limited)).json()
    assert [p["project"] for p in projects] == ["alpha"]
    refused = await api.get("/api/stats?project=beta", headers=limited)
    assert refused.status_code == 403


async def test_kept_totals_equal_a_recount_of_the_tasks(api, apply) -> None:
    """Totals without a time window come from counters a trigger keeps; a window recounts
    the tasks themselves. Whatever happened to the tasks, both must agree."""
    await seed_history(apply)
    await apply(
        event(EventKind.FINISH, 900, project="alpha", task_id="late", duration_seconds=None),
        event(
            EventKind.START, 901, project="alpha", task_id="late", timestamp="2026-01-01T09:50:00Z"
        ),
        event(EventKind.ERROR, 902, project="beta", task_id="flip"),
        event(EventKind.FINISH, 903, project="beta", task_id="flip", agent="tester"),
        event(EventKind.STATUS, 904, project="beta", task_id="t9", agent="coder", progress=5),
    )
    everything = "since=2000-01-01T00:00:00Z"
    for query in ("", "project=alpha", "agent=tester", "agent=coder&project=beta"):
        kept = (await api.get(f"/api/stats?{query}")).json()
        recounted = (await api.get(f"/api/stats?{query}&{everything}")).json()
        assert kept == recounted, query
        by_project = (await api.get(f"/api/stats/projects?{query}")).json()
        assert by_project == (await api.get(f"/api/stats/projects?{query}&{everything}")).json()
    late = (await api.get("/api/projects/alpha/tasks/late")).json()
    assert late["duration_seconds"] == 25 * 60  # from the late start (09:50) to the end (10:15)


async def test_totals_of_a_time_window_read_the_start_time_index_alone(sessions, apply) -> None:
    """Everything the windowed totals need of a task is in ix_tasks_started: no task row is read
    (the planner is only kept from preferring other plans on this tiny table)."""
    await seed_history(apply)
    async with sessions() as session:
        connection = await session.connection()
        statements = await sent_statements(
            connection,
            lambda: stats.totals(
                session, stats.StatsFilter(since=datetime(2026, 1, 1, tzinfo=UTC))
            ),
        )
        for setting in ("enable_seqscan", "enable_bitmapscan"):
            await connection.exec_driver_sql(f"SET LOCAL {setting} = off")
        [(statement, parameters)] = statements
        plan = await plan_of(connection, statement, parameters)
    assert "Index Only Scan using ix_tasks_started on tasks" in plan, plan

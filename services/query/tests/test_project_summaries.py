from datetime import UTC, datetime, timedelta

import pytest

from tests.factories import event
from tests.plans import plan_of, sent_statements
from tracker_contracts import EventKind
from tracker_query.repositories.project_summaries import (
    ProjectSelection,
    SummarySort,
    summarize_projects,
)
from tracker_query.settings import QuerySettings

SUMMARY = "/api/stats/projects/summary"


@pytest.fixture
def settings(empty_database_url: str, redis_url: str, events_stream: str) -> QuerySettings:
    """Pages span the whole database, so each test here has one of its own."""
    return QuerySettings(
        database_url=empty_database_url, redis_url=redis_url, events_stream=events_stream
    )


def started(project: str, task_id: str, at: datetime):  # type: ignore[no-untyped-def]
    return event(EventKind.START, 0, project=project, task_id=task_id, timestamp=at.isoformat())


async def test_a_summary_holds_the_project_totals_and_last_activity(api, apply) -> None:
    await apply(
        event(EventKind.START, 0, project="alpha", task_id="running"),
        event(EventKind.FINISH, 1, project="alpha", task_id="done", duration_seconds=100),
        event(EventKind.START, 2, project="alpha", task_id="broken"),
        event(EventKind.ERROR, 3, project="alpha", task_id="broken"),
        event(EventKind.FINISH, 4, project="beta", task_id="done", duration_seconds=30),
    )
    response = await api.get(SUMMARY)
    assert response.status_code == 200, response.text
    assert response.headers["X-Total-Count"] == "2"
    summaries = {s["project"]: s for s in response.json()}
    per_project = {s["project"]: s for s in (await api.get("/api/stats/projects")).json()}
    projects = {p["name"]: p for p in (await api.get("/api/projects")).json()}
    for name in ("alpha", "beta"):
        summary = summaries[name]
        assert summary.pop("updated_at") == projects[name]["updated_at"]
        assert len(summary.pop("started_per_hour")) == 24
        assert summary.pop("budget") is None
        assert summary == per_project[name]
    assert (summaries["alpha"]["active_tasks"], summaries["alpha"]["success_rate"]) == (1, 0.5)


async def test_starts_are_counted_in_the_last_24_hours(api, apply) -> None:
    now = datetime.now(UTC)
    this_hour = now.replace(minute=0, second=0, microsecond=0)
    await apply(
        started("busy", "now-1", now),
        started("busy", "now-2", this_hour),
        started("busy", "3h", this_hour - timedelta(hours=3) + timedelta(minutes=59)),
        started("busy", "23h", this_hour - timedelta(hours=23)),
        started("busy", "too-old", this_hour - timedelta(hours=23, seconds=1)),
        started("quiet", "long-ago", now - timedelta(days=3)),
    )
    series = {s["project"]: s["started_per_hour"] for s in (await api.get(SUMMARY)).json()}
    assert series["busy"] == [1] + [0] * 19 + [1, 0, 0, 2]
    assert series["quiet"] == [0] * 24


async def test_the_name_filter_ignores_case_and_takes_wildcards_literally(api, apply) -> None:
    names = ["Alpha-One", "alphabet", "beta", "50%_off", "500-off"]
    await apply(*(event(EventKind.START, i, project=n, task_id="t") for i, n in enumerate(names)))

    async def matching(q: str) -> tuple[list[str], str]:
        response = await api.get(SUMMARY, params={"q": q, "sort": "name"})
        assert response.status_code == 200, response.text
        return [s["project"] for s in response.json()], response.headers["X-Total-Count"]

    assert await matching("ALPHA") == (["Alpha-One", "alphabet"], "2")
    assert await matching("%_") == (["50%_off"], "1")
    assert await matching("nothing") == ([], "0")


async def test_pages_follow_a_stable_order_with_the_total_count(api, apply) -> None:
    # Projects touched in one transaction are equally recent: then the name decides.
    await apply(*(event(EventKind.START, i, project=f"p{i}", task_id="t") for i in range(5)))
    await apply(event(EventKind.STATUS, 9, project="p1", task_id="t", progress=50))

    async def page(**params: object) -> list[str]:
        response = await api.get(SUMMARY, params=params)
        assert response.status_code == 200, response.text
        assert response.headers["X-Total-Count"] == "5"
        return [s["project"] for s in response.json()]

    recent = await page()
    assert recent == ["p1", "p0", "p2", "p3", "p4"]
    assert [await page(limit=2, offset=n) for n in (0, 2, 4)] == [
        recent[:2],
        recent[2:4],
        [recent[4]],
    ]
    assert await page(sort="name", limit=2, offset=1) == ["p1", "p2"]
    assert await page(offset=5) == []
    assert (await api.get(SUMMARY, params={"limit": 0})).status_code == 422
    assert (await api.get(SUMMARY, params={"sort": "size"})).status_code == 422


async def test_a_limited_key_gets_only_its_projects(api, apply) -> None:
    await apply(*(event(EventKind.START, 0, project=n, task_id="t") for n in ("a", "b", "c d")))
    limited = {"X-Auth-Projects": "a|c%20d"}
    response = await api.get(SUMMARY, headers=limited)
    assert [s["project"] for s in response.json()] == ["a", "c d"]
    assert response.headers["X-Total-Count"] == "2"
    response = await api.get(SUMMARY, params={"q": "b"}, headers=limited)
    assert (response.json(), response.headers["X-Total-Count"]) == ([], "0")


async def test_archived_projects_are_left_out_unless_asked_for(api, apply) -> None:
    await apply(*(event(EventKind.START, 0, project=n, task_id="t") for n in ("kept", "gone")))
    assert (await api.post("/api/projects/gone/archive")).status_code == 204
    listed = [s["project"] for s in (await api.get(SUMMARY)).json()]
    assert listed == ["kept"]
    everything = await api.get(SUMMARY, params={"include_archived": "true", "sort": "name"})
    assert [s["project"] for s in everything.json()] == ["gone", "kept"]


async def test_a_page_costs_the_same_statements_whatever_its_size(sessions, apply) -> None:
    """Two statements for the page (the count is a third), and the starts per hour are read
    through the per-project start-time index."""
    now = datetime.now(UTC)
    await apply(*(started(f"p{i:02}", f"t{j}", now) for i in range(30) for j in range(3)))
    since = now.replace(minute=0, second=0, microsecond=0) - timedelta(hours=23)
    async with sessions() as session:
        connection = await session.connection()
        for limit in (3, 30):
            statements = await sent_statements(
                connection,
                lambda limit=limit: summarize_projects(
                    session, ProjectSelection(), SummarySort.RECENT, limit, 0, since, 24
                ),
            )
            assert len(statements) == 2, statements
        for setting in ("enable_seqscan", "enable_bitmapscan"):
            await connection.exec_driver_sql(f"SET LOCAL {setting} = off")
        page_plan = await plan_of(connection, *statements[0])
        await connection.exec_driver_sql("DEALLOCATE planned")
        series_plan = await plan_of(connection, *statements[1])
    assert "task_totals" in page_plan, page_plan
    assert "Seq Scan on task_totals" not in page_plan, page_plan
    assert "using ix_tasks_project_started on tasks" in series_plan, series_plan

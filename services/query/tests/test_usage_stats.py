"""Statistics of tokens and cost: totals, breakdowns, a time series and the costliest tasks."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from tests.factories import event
from tests.plans import plan_of, sent_statements
from tracker_contracts import EventKind
from tracker_query.repositories.stats import StatsFilter
from tracker_query.repositories.usage_stats import UsageKey, usage_by
from tracker_query.settings import QuerySettings

DAY = 86400
WINDOW = "since=2026-01-01T00:00:00Z&until=2026-01-03T00:00:00Z"


@pytest.fixture
def settings(empty_database_url: str, redis_url: str, events_stream: str) -> QuerySettings:
    """Totals span the whole database, so each test here has one of its own."""
    return QuerySettings(
        database_url=empty_database_url, redis_url=redis_url, events_stream=events_stream
    )


def usage(**fields: object) -> dict[str, object]:
    return {
        "input_tokens": 0,
        "output_tokens": 0,
        "cache_read_tokens": 0,
        "cache_write_tokens": 0,
        "cost": {},
        **fields,
    }


EVENTS = [
    event(
        EventKind.STATUS,
        0,
        project="a",
        task_id="t1",
        agent="x",
        usage={"model": "m1", "input_tokens": 100, "output_tokens": 10, "cost": 1.5},
    ),
    event(
        EventKind.FINISH,
        DAY,
        project="a",
        task_id="t1",
        agent="x",
        usage={"model": "m1", "input_tokens": 200, "cost": "0.5"},
    ),
    event(
        EventKind.STATUS,
        0,
        project="a",
        task_id="t2",
        agent="y",
        usage={"model": "m2", "output_tokens": 40, "cost": 3, "currency": "EUR"},
    ),
    event(
        EventKind.ERROR,
        DAY,
        project="b",
        task_id="t3",
        agent="y",
        usage={"model": "m2", "input_tokens": 1, "cache_read_tokens": 7, "cost": 4},
    ),
    event(EventKind.START, DAY, project="b", task_id="t4", agent="x"),
    event(
        EventKind.STATUS, DAY, project="b", task_id="t4", agent="x", usage={"cache_write_tokens": 2}
    ),
]


async def get(api, path: str, **headers: str):  # type: ignore[no-untyped-def]
    response = await api.get(path, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


async def test_stats_carry_the_tokens_and_cost_of_their_filter(api, apply) -> None:
    await apply(*EVENTS)
    everything = usage(
        input_tokens=301,
        output_tokens=50,
        cache_read_tokens=7,
        cache_write_tokens=2,
        cost={"USD": 6.0, "EUR": 3.0},
    )
    assert (await get(api, "/api/stats"))["usage"] == everything
    assert (await get(api, f"/api/stats?{WINDOW}"))["usage"] == everything
    second_day = "since=2026-01-02T00:00:00Z"
    assert (await get(api, f"/api/stats?{second_day}"))["usage"] == usage(
        input_tokens=201, cache_read_tokens=7, cache_write_tokens=2, cost={"USD": 4.5}
    )
    assert (await get(api, "/api/stats?agent=y"))["usage"] == usage(
        input_tokens=1, output_tokens=40, cache_read_tokens=7, cost={"USD": 4.0, "EUR": 3.0}
    )
    by_project = {p["project"]: p["usage"] for p in await get(api, "/api/stats/projects")}
    assert by_project == {
        "a": usage(input_tokens=300, output_tokens=50, cost={"USD": 2.0, "EUR": 3.0}),
        "b": usage(input_tokens=1, cache_read_tokens=7, cache_write_tokens=2, cost={"USD": 4.0}),
    }
    cards = await get(api, "/api/stats/projects/summary")
    assert {card["project"]: card["usage"] for card in cards} == by_project


async def test_usage_breaks_down_by_project_agent_model_and_day(api, apply) -> None:
    await apply(*EVENTS)

    async def by(key: str, query: str = "") -> dict[str, dict[str, object]]:
        rows = await get(api, f"/api/stats/usage?by={key}&{query}")
        return {row.pop("key"): row for row in rows}

    assert await by("agent") == {
        "x": usage(input_tokens=300, output_tokens=10, cache_write_tokens=2, cost={"USD": 2.0}),
        "y": usage(
            input_tokens=1, output_tokens=40, cache_read_tokens=7, cost={"USD": 4.0, "EUR": 3.0}
        ),
    }
    assert await by("model") == {
        "": usage(cache_write_tokens=2),
        "m1": usage(input_tokens=300, output_tokens=10, cost={"USD": 2.0}),
        "m2": usage(
            input_tokens=1, output_tokens=40, cache_read_tokens=7, cost={"USD": 4.0, "EUR": 3.0}
        ),
    }
    assert await by("model", "project=a&since=2026-01-02T00:00:00Z") == {
        "m1": usage(input_tokens=200, cost={"USD": 0.5}),
    }
    assert list(await by("project")) == ["a", "b"]
    assert await by("day", WINDOW) == {
        "2026-01-01": usage(input_tokens=100, output_tokens=50, cost={"USD": 1.5, "EUR": 3.0}),
        "2026-01-02": usage(
            input_tokens=201, cache_read_tokens=7, cache_write_tokens=2, cost={"USD": 4.5}
        ),
    }


async def test_cost_over_time_has_every_bucket(api, apply) -> None:
    await apply(*EVENTS)
    series = await get(
        api,
        "/api/stats/usage/timeseries?bucket=day&since=2025-12-31T00:00:00Z&until=2026-01-03"
        "T00:00:00Z",
    )
    assert [(p["start"], p["cost"], p["input_tokens"]) for p in series["points"]] == [
        ("2025-12-31T00:00:00Z", {}, 0),
        ("2026-01-01T00:00:00Z", {"USD": 1.5, "EUR": 3.0}, 100),
        ("2026-01-02T00:00:00Z", {"USD": 4.5}, 201),
    ]
    hours = await get(api, f"/api/stats/usage/timeseries?bucket=hour&{WINDOW}")
    assert len(hours["points"]) == 48
    assert sum(p["output_tokens"] for p in hours["points"]) == 50


async def test_the_costliest_tasks_come_first_in_their_currency(api, apply) -> None:
    await apply(*EVENTS)
    ranked = await get(api, "/api/stats/usage/tasks")
    assert [(t["project"], t["task_id"], t["cost"], t["status"]) for t in ranked] == [
        ("b", "t3", 4.0, "failed"),
        ("a", "t1", 2.0, "completed"),
    ]
    assert ranked[1]["usage"] == usage(input_tokens=300, output_tokens=10, cost={"USD": 2.0})
    euros = await get(api, "/api/stats/usage/tasks?currency=EUR")
    assert [(t["task_id"], t["cost"], t["currency"]) for t in euros] == [("t2", 3.0, "EUR")]
    first_day = await get(api, "/api/stats/usage/tasks?until=2026-01-02T00:00:00Z&limit=1")
    assert [(t["task_id"], t["cost"]) for t in first_day] == [("t1", 1.5)]
    bad = await api.get("/api/stats/usage/tasks?currency=usd")
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["loc"] == ["query", "currency"]


async def test_a_limited_key_sees_only_its_projects_usage(api, apply) -> None:
    await apply(*EVENTS)
    limited = {"X-Auth-Projects": "a"}
    assert (await get(api, "/api/stats", **limited))["usage"]["cost"] == {"USD": 2.0, "EUR": 3.0}
    assert [r["key"] for r in await get(api, "/api/stats/usage?by=project", **limited)] == ["a"]
    assert {t["project"] for t in await get(api, "/api/stats/usage/tasks", **limited)} == {"a"}
    other = await api.get("/api/stats/usage?by=agent&project=b", headers=limited)
    assert other.status_code == 403


async def test_kept_totals_follow_redelivery_and_deletion(api, apply, sessions) -> None:
    """The trigger-kept sums (read without a time window) equal a recount of the events, after
    the same events are applied again and after a task is deleted; a deleted project's go."""
    await apply(*EVENTS)
    await apply(*EVENTS)
    for_all_time = StatsFilter()
    recount = StatsFilter(since=datetime(2000, 1, 1, tzinfo=UTC))
    async with sessions() as session, session.begin():
        for key in UsageKey.PROJECT, UsageKey.AGENT, UsageKey.MODEL:
            kept = await usage_by(session, for_all_time, key)
            assert kept == await usage_by(session, recount, key)
        await session.execute(text("DELETE FROM tasks WHERE task_id = 't3'"))
    async with sessions() as session, session.begin():
        kept = await usage_by(session, for_all_time, UsageKey.PROJECT)
        assert kept == await usage_by(session, recount, UsageKey.PROJECT)
        assert kept["b"].cost == {}
        await session.execute(text("DELETE FROM projects WHERE name = 'a'"))
    async with sessions() as session:
        assert set(await usage_by(session, for_all_time, UsageKey.PROJECT)) == {"b"}


async def test_windowed_usage_reads_the_time_index(sessions, apply) -> None:
    await apply(*EVENTS)
    async with sessions() as session:
        connection = await session.connection()
        window = StatsFilter(since=datetime(2026, 1, 2, tzinfo=UTC))
        statements = await sent_statements(
            connection, lambda: usage_by(session, window, UsageKey.MODEL)
        )
        await connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
        [(statement, parameters)] = statements
        plan = await plan_of(connection, statement, parameters)
    assert "ix_event_usage_occurred" in plan, plan

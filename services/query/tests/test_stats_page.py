"""`/api/stats/page`: the statistics page's answers in one, equal to the endpoints it joins."""

import pytest

from tests.factories import event
from tracker_contracts import EventKind
from tracker_query.settings import QuerySettings

WINDOW = "since=2026-01-01T00:00:00Z&until=2026-01-03T00:00:00Z"
DAY = 86400


@pytest.fixture
def settings(empty_database_url: str, redis_url: str, events_stream: str) -> QuerySettings:
    """Totals span the whole database, so each test here has one of its own."""
    return QuerySettings(
        database_url=empty_database_url, redis_url=redis_url, events_stream=events_stream
    )


EVENTS = [
    event(EventKind.START, 0, project="a", task_id="t1", agent="x"),
    event(
        EventKind.FINISH,
        DAY,
        project="a",
        task_id="t1",
        agent="x",
        duration_seconds=100,
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
    event(EventKind.ERROR, DAY, project="b", task_id="t3", agent="y", error_type="Boom"),
]


async def test_the_page_answers_what_each_endpoint_answers(api, apply) -> None:
    await apply(*EVENTS)
    page = (await api.get(f"/api/stats/page?{WINDOW}&bucket=day&errors_limit=3")).json()

    async def alone(path: str) -> object:
        answer = await api.get(f"{path}{'&' if '?' in path else '?'}{WINDOW}")
        assert answer.status_code == 200, answer.text
        return answer.json()

    assert page["totals"] == await alone("/api/stats")
    assert page["outcomes"] == await alone("/api/stats/outcomes")
    assert page["timeseries"] == await alone("/api/stats/timeseries?bucket=day")
    assert page["errors"] == await alone("/api/stats/errors?limit=3")
    assert page["projects"] == await alone("/api/stats/projects")
    usage = page["usage"]
    assert usage["series"] == await alone("/api/stats/usage/timeseries?bucket=day")
    assert usage["by_model"] == await alone("/api/stats/usage?by=model")
    assert usage["by_agent"] == await alone("/api/stats/usage?by=agent")
    # Most was spent in euros, so the costliest tasks are ranked in euros.
    assert usage["currency"] == "EUR"
    assert usage["costly_tasks"] == await alone("/api/stats/usage/tasks?currency=EUR")
    assert [t["task_id"] for t in usage["costly_tasks"]] == ["t2"]


async def test_without_any_cost_the_page_ranks_in_dollars(api, apply) -> None:
    await apply(event(EventKind.START, 0, project="a", task_id="t1"))
    usage = (await api.get(f"/api/stats/page?{WINDOW}")).json()["usage"]
    assert (usage["currency"], usage["costly_tasks"]) == ("USD", [])


async def test_a_limited_key_gets_only_its_projects_on_the_page(api, apply) -> None:
    await apply(*EVENTS)
    limited = {"X-Auth-Projects": "a"}
    page = (await api.get(f"/api/stats/page?{WINDOW}", headers=limited)).json()
    assert [row["project"] for row in page["projects"]] == ["a"]
    assert page["errors"] == []
    forbidden = await api.get(f"/api/stats/page?{WINDOW}&project=b", headers=limited)
    assert forbidden.status_code == 403

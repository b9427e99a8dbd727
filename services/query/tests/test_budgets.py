"""Budgets: what counts against one, each threshold crossed announced once, the API."""

import asyncio
import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import httpx
import pytest
from redis.asyncio import Redis

from tests.factories import event
from tracker_contracts import EventKind, decode_notice, notices_channel, notices_stream
from tracker_query.budget_watch import BudgetWatch, budget_announcer
from tracker_query.repositories.budgets import Crossing
from tracker_query.settings import QuerySettings

ADMIN = {"X-Auth-Key-Scope": "admin"}


def spend(project: str, cost: object, currency: str = "USD", *, when: datetime | None = None):  # type: ignore[no-untyped-def]
    """A status of `project`'s task that cost `cost`, now unless `when`."""
    return event(
        EventKind.STATUS,
        project=project,
        timestamp=(when or datetime.now(UTC)).isoformat(),
        usage={"model": "m", "cost": cost, "currency": currency},
    )


async def set_budget(api: httpx.AsyncClient, project: str, **budget: object) -> httpx.Response:
    """Set (or, without `budget`, remove) the budget of `project`, which must exist."""
    return await api.put(
        f"/api/projects/{project}/settings", json={"budget": budget or None}, headers=ADMIN
    )


async def budget_of(api: httpx.AsyncClient, project: str) -> dict[str, object]:
    answer = await api.get(f"/api/projects/{project}/budget")
    assert answer.status_code == 200, answer.text
    status: dict[str, object] = answer.json()
    return status


async def check(settings: QuerySettings, sessions, project: str, announced: list[Crossing]):  # type: ignore[no-untyped-def]
    """One round of a budget watch; the crossings of `project` it announced (the database is
    shared with other tests' projects)."""

    async def announce(crossings: Sequence[Crossing]) -> None:
        announced.extend(c for c in crossings if c.project == project)

    crossed = await BudgetWatch(settings, sessions, announce).check()
    return [c for c in crossed if c.project == project]


async def test_only_this_periods_costs_in_the_budgets_currency_count(
    api: httpx.AsyncClient, apply, project: str
) -> None:
    last_month = datetime.now(UTC).replace(day=1) - timedelta(days=1)
    once = spend(project, 5)
    await apply(once, spend(project, 3, "EUR"), spend(project, 4, when=last_month))
    await apply(once)  # redelivered: adds nothing
    assert (await set_budget(api, project, period="month", amount=10)).status_code == 200

    status = await budget_of(api, project)
    assert status["spent"] == 5
    assert status["percent"] == 50
    assert status["crossed"] == []
    assert status["budget"] == {"period": "month", "amount": 10, "currency": "USD"}
    today = datetime.now(UTC).date()
    assert status["period_start"] == today.replace(day=1).isoformat()

    await set_budget(api, project, period="day", amount=2, currency="EUR")
    status = await budget_of(api, project)
    assert (status["spent"], status["percent"]) == (3, 150)
    assert status["period_start"] == today.isoformat()
    assert status["period_end"] == (today + timedelta(days=1)).isoformat()


async def test_each_threshold_is_announced_once_and_a_new_amount_rearms_them(
    api: httpx.AsyncClient, apply, sessions, settings: QuerySettings, project: str
) -> None:
    await apply(spend(project, "7.9"))
    await set_budget(api, project, period="month", amount=10)
    announced: list[Crossing] = []
    assert await check(settings, sessions, project, announced) == []

    await apply(spend(project, "0.1"))  # 8.0: 80 % exactly
    crossed = await check(settings, sessions, project, announced)
    assert [(c.project, c.threshold, c.spent) for c in crossed] == [(project, 80, Decimal(8))]
    assert await check(settings, sessions, project, announced) == []

    await apply(spend(project, 5))  # 13: past 100 %
    assert [c.threshold for c in await check(settings, sessions, project, announced)] == [100]
    assert (await budget_of(api, project))["crossed"] == [80, 100]

    await set_budget(api, project, period="month", amount=15)  # raised: 86.7 %
    assert (await budget_of(api, project))["crossed"] == []
    assert [c.threshold for c in await check(settings, sessions, project, announced)] == [80]
    assert [c.threshold for c in announced] == [80, 100, 80]


async def test_a_crossing_whose_announcement_failed_is_announced_next_round(
    api: httpx.AsyncClient, apply, sessions, settings: QuerySettings, project: str
) -> None:
    await apply(spend(project, 1))
    await set_budget(api, project, period="day", amount=1)

    async def failing(crossings: Sequence[Crossing]) -> None:
        raise ConnectionError("Redis is away")

    with pytest.raises(ConnectionError):
        await BudgetWatch(settings, sessions, failing).check()
    announced: list[Crossing] = []
    assert [c.threshold for c in await check(settings, sessions, project, announced)] == [80, 100]


async def test_workers_checking_at_once_announce_each_crossing_once(
    api: httpx.AsyncClient, apply, sessions, settings: QuerySettings, project: str
) -> None:
    await apply(spend(project, 2))
    await set_budget(api, project, period="day", amount=1)
    announced: list[Crossing] = []
    await asyncio.gather(*(check(settings, sessions, project, announced) for _ in range(4)))
    mine = [c.threshold for c in announced if c.project == project]
    assert sorted(mine) == [80, 100]


async def test_crossings_reach_the_notices_channel_and_stream(
    api: httpx.AsyncClient, apply, sessions, settings: QuerySettings, project: str
) -> None:
    await apply(spend(project, "3.5", "EUR"))
    await set_budget(api, project, period="month", amount=4, currency="EUR")
    async with Redis.from_url(str(settings.redis_url)) as redis, redis.pubsub() as pubsub:
        await pubsub.subscribe(notices_channel(settings.events_stream))
        await pubsub.get_message(timeout=1)  # the subscription confirmation
        await BudgetWatch(settings, sessions, budget_announcer(redis, settings)).check()
        notice = await pubsub.get_message(ignore_subscribe_messages=True, timeout=5)
        kept = [
            decode_notice(fields)
            for _, fields in await redis.xrange(notices_stream(settings.events_stream))
        ]
    assert notice is not None
    assert [n.model_dump_json() for n in kept if n.data.project == project] == [
        notice["data"].decode()
    ]
    message = json.loads(notice["data"])
    assert message["type"] == "budget_crossed"
    data = message["data"]
    assert (data["project"], data["threshold_percent"], data["currency"]) == (project, 80, "EUR")
    assert (data["amount"], data["spent"], data["period"]) == (4, 3.5, "month")


async def test_the_overview_summary_carries_the_budget(
    api: httpx.AsyncClient, apply, project: str
) -> None:
    await apply(spend(project, 1))
    await set_budget(api, project, period="day", amount=4)
    answer = await api.get("/api/stats/projects/summary", params={"q": project})
    [summary] = answer.json()
    assert summary["budget"]["percent"] == 25
    await set_budget(api, project)
    [summary] = (await api.get("/api/stats/projects/summary", params={"q": project})).json()
    assert summary["budget"] is None
    assert (await api.get(f"/api/projects/{project}/budget")).json() is None


@pytest.mark.parametrize(
    ("budget", "field"),
    [
        ({"period": "week", "amount": 1}, "period"),
        ({"period": "day", "amount": 0}, "amount"),
        ({"period": "day", "amount": -3}, "amount"),
        ({"period": "day", "amount": 1e12}, "amount"),
        ({"period": "day", "amount": 1, "currency": "usd"}, "currency"),
        ({"period": "day"}, "amount"),
    ],
)
async def test_a_wrong_budget_is_refused_naming_the_field(
    api: httpx.AsyncClient, apply, project: str, budget: dict[str, object], field: str
) -> None:
    await apply(spend(project, 1))
    answer = await set_budget(api, project, **budget)
    assert answer.status_code == 422
    assert any(error["loc"][-1] == field for error in answer.json()["detail"]), answer.text


async def test_only_an_admin_key_sets_a_budget(api: httpx.AsyncClient, apply, project: str) -> None:
    await apply(spend(project, 1))
    answer = await api.put(
        f"/api/projects/{project}/settings",
        json={"budget": {"period": "day", "amount": 5}},
        headers={"X-Auth-Key-Scope": "read"},
    )
    assert answer.status_code == 403
    assert (await api.get("/api/projects/no-such-project/budget")).status_code == 404

"""Usage and cost: each event's kept once, each task's totals the sum of its events' usage."""

import uuid
from decimal import Decimal

from sqlalchemy import select

from tests.factories import event
from tracker_contracts import EventKind
from tracker_query.models import EventUsage, Project, Task


def used(**usage: object) -> dict[str, object]:
    return {"usage": usage}


async def task_usage(sessions, project: str) -> dict | None:  # type: ignore[no-untyped-def]
    async with sessions() as session:
        query = (
            select(Task.usage)
            .join(Project, Project.id == Task.project_id)
            .where(Project.name == project)
        )
        usage: dict | None = (await session.scalars(query)).one()
        return usage


async def kept_usage(sessions, project: str) -> list[EventUsage]:  # type: ignore[no-untyped-def]
    async with sessions() as session:
        query = (
            select(EventUsage)
            .join(Project, Project.id == EventUsage.project_id)
            .where(Project.name == project)
            .order_by(EventUsage.occurred_at)
        )
        return list((await session.scalars(query)).all())


async def test_totals_add_up_over_status_finish_and_error(apply, sessions, project) -> None:
    await apply(
        event(EventKind.START, 0, project=project),
        event(EventKind.STATUS, 1, project=project, **used(input_tokens=100, cost=0.1)),
        event(EventKind.STATUS, 2, project=project, **used(output_tokens=7, cost=0.2)),
        event(EventKind.ERROR, 3, project=project, **used(cache_read_tokens=5000)),
        event(
            EventKind.FINISH, 4, project=project, **used(cache_write_tokens=3, cost="0.0000000001")
        ),
    )
    assert await task_usage(sessions, project) == {
        "input_tokens": 100,
        "output_tokens": 7,
        "cache_read_tokens": 5000,
        "cache_write_tokens": 3,
        "cost": {"USD": "0.3000000001"},  # exact: no float drift
    }


async def test_redelivered_events_add_nothing(apply, sessions, project) -> None:
    ids = [uuid.uuid4() for _ in range(3)]
    events = [
        event(
            EventKind.STATUS, i, project=project, event_id=ids[i], **used(input_tokens=10, cost=1)
        )
        for i in range(3)
    ]
    await apply(events[0], events[1])
    await apply(*events)  # the first two again, in one batch with a new one
    await apply(events[2], events[2])
    totals = await task_usage(sessions, project)
    assert totals is not None
    assert (totals["input_tokens"], totals["cost"]) == (30, {"USD": "3.0000000000"})
    assert [row.event_id for row in await kept_usage(sessions, project)] == ids


async def test_costs_in_different_currencies_are_kept_apart(apply, sessions, project) -> None:
    await apply(
        event(EventKind.STATUS, 1, project=project, **used(cost=1.5)),
        event(EventKind.STATUS, 2, project=project, **used(cost=2, currency="EUR")),
        event(EventKind.STATUS, 3, project=project, **used(cost=0.25, currency="USD")),
    )
    totals = await task_usage(sessions, project)
    assert totals is not None
    assert {c: Decimal(a) for c, a in totals["cost"].items()} == {
        "USD": Decimal("1.75"),
        "EUR": Decimal(2),
    }
    rows = await kept_usage(sessions, project)
    assert [(row.cost, row.currency) for row in rows] == [
        (Decimal("1.5"), "USD"),
        (Decimal(2), "EUR"),
        (Decimal("0.25"), "USD"),
    ]


async def test_an_older_event_still_adds_its_usage(apply, sessions, project) -> None:
    await apply(event(EventKind.FINISH, 10, project=project, **used(output_tokens=5)))
    await apply(event(EventKind.STATUS, 5, project=project, **used(output_tokens=6, model="m")))
    totals = await task_usage(sessions, project)
    assert totals is not None
    assert totals["output_tokens"] == 11
    rows = await kept_usage(sessions, project)
    assert [(row.model, row.output_tokens, row.cost) for row in rows] == [
        ("m", 6, None),
        (None, 5, None),
    ]


async def test_a_task_without_usage_has_none(apply, sessions, project) -> None:
    await apply(
        event(EventKind.START, 0, project=project),
        event(EventKind.STATUS, 1, project=project),
        event(EventKind.FINISH, 2, project=project),
    )
    assert await task_usage(sessions, project) is None
    assert await kept_usage(sessions, project) == []


async def test_status_metadata_merges_into_the_task(apply, sessions, project) -> None:
    await apply(
        event(EventKind.START, 0, project=project),
        event(EventKind.STATUS, 1, project=project, metadata={"step": "tests", "priority": "low"}),
    )
    async with sessions() as session:
        query = select(Task.details).join(Project).where(Project.name == project)
        assert (await session.scalars(query)).one() == {"priority": "low", "step": "tests"}


async def test_the_api_shows_totals_and_each_events_usage(api, apply, project) -> None:
    await apply(
        event(EventKind.START, 0, project=project),
        event(EventKind.STATUS, 1, project=project, **used(model="m", input_tokens=3, cost=0.5)),
        event(
            EventKind.FINISH, 2, project=project, **used(output_tokens=4, cost=1, currency="EUR")
        ),
    )
    [listed] = (await api.get(f"/api/projects/{project}/tasks")).json()
    totals = {
        "input_tokens": 3,
        "output_tokens": 4,
        "cache_read_tokens": 0,
        "cache_write_tokens": 0,
        "cost": {"USD": 0.5, "EUR": 1.0},
    }
    assert listed["usage"] == totals
    detail = (await api.get(f"/api/projects/{project}/tasks/task-123")).json()
    assert detail["usage"] == totals
    assert [e["usage"] for e in detail["events"]] == [
        None,
        {
            "model": "m",
            "input_tokens": 3,
            "output_tokens": None,
            "cache_read_tokens": None,
            "cache_write_tokens": None,
            "cost": 0.5,
            "currency": "USD",
        },
        {
            "model": None,
            "input_tokens": None,
            "output_tokens": 4,
            "cache_read_tokens": None,
            "cache_write_tokens": None,
            "cost": 1.0,
            "currency": "EUR",
        },
    ]

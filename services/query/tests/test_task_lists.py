"""Task lists: filters, orders, cursor pages and totals, per project and across projects."""

import base64
import json
from datetime import timedelta
from urllib.parse import quote

import pytest

from tests.factories import T0, event
from tests.plans import plan_of, sent_statements
from tracker_contracts import EventKind
from tracker_query.repositories.tasks import PageKey, TaskFilter, TaskSort, list_tasks

START, STATUS, FINISH, ERROR = EventKind.START, EventKind.STATUS, EventKind.FINISH, EventKind.ERROR


def at(seconds: float) -> str:
    return (T0 + timedelta(seconds=seconds)).isoformat()


def started(project: str, *task_ids: str, seconds: float = 0, **fields):
    """Start events for `task_ids`, one second apart from `seconds` on."""
    return [
        event(START, seconds + i, project=project, task_id=task_id, **fields)
        for i, task_id in enumerate(task_ids)
    ]


async def task_ids(api, url: str, **params) -> list[str]:
    response = await api.get(url, params=params)
    assert response.status_code == 200, response.text
    return [task["task_id"] for task in response.json()]


async def walk(api, url: str, **params) -> list[str]:
    """Every page of a list, following X-Next-Cursor until it is absent."""
    seen: list[str] = []
    cursor = None
    for _ in range(100):
        response = await api.get(url, params={**params, **({"cursor": cursor} if cursor else {})})
        assert response.status_code == 200, response.text
        seen += [task["task_id"] for task in response.json()]
        cursor = response.headers.get("X-Next-Cursor")
        if cursor is None:
            return seen
    raise AssertionError("the cursor never ran out")


async def test_agent_keeps_only_that_agents_tasks(api, apply, project) -> None:
    mine, other = f"{project}-agent", f"{project}-other"
    await apply(
        *started(project, "t0", "t2", agent=mine),
        *started(project, "t1", seconds=5, agent=other),
    )
    url = f"/api/projects/{project}/tasks"
    assert await task_ids(api, url, agent=mine) == ["t2", "t0"]
    assert await task_ids(api, url, agent=other) == ["t1"]
    assert await task_ids(api, url, agent="nobody") == []


async def test_since_and_until_keep_tasks_started_in_between(api, apply, project) -> None:
    await apply(*started(project, "t0", "t1", "t2", "t3"))
    url = f"/api/projects/{project}/tasks"
    assert await task_ids(api, url, since=at(1), until=at(3)) == ["t2", "t1"]
    assert await task_ids(api, url, since=at(2)) == ["t3", "t2"]
    assert await task_ids(api, url, until=at(1)) == ["t0"]
    # The same instant written with another offset.
    assert await task_ids(api, url, since="2026-01-01T11:00:03+01:00") == ["t3"]


async def test_q_finds_title_text_ignoring_case_and_literally(api, apply, project) -> None:
    titles = {"t0": "Deploy API", "t1": "write docs", "t2": "redeploy web", "t3": "100% a_b"}
    await apply(
        *(
            event(START, i, project=project, task_id=t, task=title)
            for i, (t, title) in enumerate(titles.items())
        )
    )
    url = f"/api/projects/{project}/tasks"
    assert await task_ids(api, url, q="DEPLOY") == ["t2", "t0"]
    assert await task_ids(api, url, q="%") == ["t3"]
    assert await task_ids(api, url, q="a_b") == ["t3"]
    assert await task_ids(api, url, q="a%b") == []


async def test_filters_combine(api, apply, project) -> None:
    await apply(
        *started(project, "t0", "t1", "t2", "t3", task="Build"),
        event(FINISH, 10, project=project, task_id="t1", task="Build"),
        event(ERROR, 10, project=project, task_id="t2", task="Build"),
    )
    url = f"/api/projects/{project}/tasks"
    assert await task_ids(api, url, status=["running", "failed"], since=at(1), q="build") == [
        "t3",
        "t2",
    ]


async def test_sort_updated_puts_the_latest_change_first(api, apply, project) -> None:
    await apply(*started(project, "t0", "t1", "t2"))
    await apply(event(STATUS, 20, project=project, task_id="t0", progress=50))
    await apply(event(STATUS, 21, project=project, task_id="t1", progress=50))
    url = f"/api/projects/{project}/tasks"
    assert await task_ids(api, url, sort="updated") == ["t1", "t0", "t2"]
    assert await task_ids(api, url) == ["t2", "t1", "t0"]


async def test_sort_duration_puts_the_longest_first_and_unfinished_last(
    api, apply, project
) -> None:
    await apply(
        *started(project, "reported", "measured", "running", "instant", "failed"),
        event(FINISH, 30, project=project, task_id="reported", duration_seconds=100),
        event(FINISH, 30, project=project, task_id="measured", duration_seconds=None),
        event(FINISH, 40, project=project, task_id="instant", duration_seconds=0),
        event(ERROR, 40, project=project, task_id="failed"),
    )
    response = await api.get(f"/api/projects/{project}/tasks", params={"sort": "duration"})
    assert [(t["task_id"], t["duration_seconds"]) for t in response.json()] == [
        ("reported", 100.0),
        ("failed", 36.0),
        ("measured", 29.0),
        ("instant", 0.0),
        ("running", None),
    ]


@pytest.mark.parametrize("sort", ["started", "updated", "duration"])
async def test_cursor_pages_walk_the_whole_list_once(api, apply, project, sort) -> None:
    # Ties everywhere: tasks started at the same second, finished with equal durations,
    # unfinished ones, and all changed in the same transaction.
    await apply(
        *(event(START, i // 3, project=project, task_id=f"t{i}") for i in range(11)),
        *(
            event(FINISH, 10, project=project, task_id=f"t{i}", duration_seconds=i % 2)
            for i in range(0, 11, 3)
        ),
    )
    url = f"/api/projects/{project}/tasks"
    whole = await task_ids(api, url, sort=sort, limit=500)
    assert len(whole) == 11
    for limit in (1, 3, 4, 11):
        assert await walk(api, url, sort=sort, limit=limit) == whole


async def test_the_last_page_has_no_next_cursor(api, apply, project) -> None:
    await apply(*started(project, "t0", "t1", "t2", "t3"))
    url = f"/api/projects/{project}/tasks"
    first = await api.get(url, params={"limit": 2})
    second = await api.get(url, params={"limit": 2, "cursor": first.headers["X-Next-Cursor"]})
    assert [t["task_id"] for t in second.json()] == ["t1", "t0"]
    assert "X-Next-Cursor" not in second.headers
    everything = await api.get(url, params={"limit": 4})
    assert "X-Next-Cursor" not in everything.headers


async def test_cursor_pages_neither_repeat_nor_skip_when_tasks_arrive(api, apply, project) -> None:
    await apply(*started(project, *(f"old{i}" for i in range(6))))
    url = f"/api/projects/{project}/tasks"
    first = await api.get(url, params={"limit": 2})
    seen = [t["task_id"] for t in first.json()]
    cursor = first.headers["X-Next-Cursor"]
    new_ones = 0
    while cursor:
        # Newer tasks arrive before every page, where offsets would shift the list.
        await apply(*started(project, f"new{new_ones}", seconds=100 + new_ones))
        new_ones += 1
        page = await api.get(url, params={"limit": 2, "cursor": cursor})
        seen += [t["task_id"] for t in page.json()]
        cursor = page.headers.get("X-Next-Cursor")
    assert seen == [f"old{i}" for i in reversed(range(6))]


async def test_count_sends_the_total_of_every_page(api, apply, project) -> None:
    await apply(
        *started(project, "t0", "t1", "t2", "t3", "t4"),
        event(FINISH, 10, project=project, task_id="t0"),
    )
    url = f"/api/projects/{project}/tasks"
    counted = await api.get(url, params={"limit": 2, "count": "true", "status": "running"})
    assert len(counted.json()) == 2
    assert counted.headers["X-Total-Count"] == "4"
    assert "X-Total-Count" not in (await api.get(url, params={"limit": 2})).headers


async def test_offset_still_pages_and_hands_over_to_a_cursor(api, apply, project) -> None:
    await apply(*started(project, "t0", "t1", "t2", "t3", "t4"))
    url = f"/api/projects/{project}/tasks"
    page = await api.get(url, params={"limit": 2, "offset": 1})
    assert [t["task_id"] for t in page.json()] == ["t3", "t2"]
    rest = await walk(api, url, limit=2, cursor=page.headers["X-Next-Cursor"])
    assert rest == ["t1", "t0"]


def cursor_of(data: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "cursor",
    [
        "not a cursor",
        cursor_of([1, 2]),
        cursor_of({"sort": "started", "key": "yesterday", "id": 1}),
        cursor_of({"sort": "duration", "key": 5.0, "id": 1}),  # other orders' cursors
        cursor_of({"sort": "updated", "key": at(0), "id": 1}),
        cursor_of({"sort": "started", "key": 5.0, "id": 1}),
        cursor_of({"sort": "started", "key": "0001-01-01T00:00:00+05:00", "id": 1}),
        cursor_of({"sort": "started", "key": None, "id": 2**63}),
    ],
)
async def test_a_bad_cursor_is_422_naming_it(api, apply, project, cursor) -> None:
    await apply(*started(project, "t0"))
    response = await api.get(f"/api/projects/{project}/tasks", params={"cursor": cursor})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "cursor"]


async def test_offset_and_cursor_together_are_422(api, apply, project) -> None:
    await apply(*started(project, "t0", "t1"))
    url = f"/api/projects/{project}/tasks"
    cursor = (await api.get(url, params={"limit": 1})).headers["X-Next-Cursor"]
    for offset in ("0", "1"):
        response = await api.get(url, params={"cursor": cursor, "offset": offset})
        assert response.status_code == 422
        assert "cursor" in response.json()["detail"][0]["msg"]


@pytest.mark.parametrize("path", ["/api/projects/{project}/tasks", "/api/tasks"])
@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("since=2026-01-01T10:00:00", "since"),  # no offset
        ("until=yesterday", "until"),
        ("since=0001-01-01T00:00:00%2B05:00", "since"),  # before year 1 in UTC
        ("q=" + "x" * 201, "q"),
        ("q=a%00b", "q"),
        ("agent=a%00b", "agent"),
        ("sort=newest", "sort"),
        ("count=maybe", "count"),
    ],
)
async def test_bad_filters_are_422_naming_the_parameter(
    api, apply, project, path, query, field
) -> None:
    await apply(*started(project, "t0"))
    response = await api.get(f"{path.format(project=project)}?{query}")
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][:2] == ["query", field]


async def test_search_spans_the_named_projects_newest_first(api, apply, project) -> None:
    other, unnamed = f"{project}-b", f"{project}-c"
    await apply(
        *started(project, "a0", "a1", seconds=0),
        *started(other, "b0", seconds=0.5),
        *started(unnamed, "c0", seconds=0.7),
    )
    assert await task_ids(api, "/api/tasks", project=[project, other]) == ["a1", "b0", "a0"]
    assert await task_ids(api, "/api/tasks", project=other) == ["b0"]
    walked = await walk(api, "/api/tasks", project=[project, other, unnamed], limit=1)
    assert walked == ["a1", "c0", "b0", "a0"]


async def test_search_filters_and_counts_across_projects(api, apply, project) -> None:
    agent, other = f"{project}-agent", f"{project}-b"
    await apply(
        *started(project, "a0", "a1", agent=agent),
        *started(other, "b0", seconds=5, agent=agent),
        *started(other, "b1", seconds=6),
    )
    response = await api.get("/api/tasks", params={"agent": agent, "count": "true", "limit": 1})
    assert [t["task_id"] for t in response.json()] == ["b0"]
    assert response.headers["X-Total-Count"] == "3"
    assert "X-Next-Cursor" in response.headers
    await apply(event(STATUS, 20, project=project, task_id="a0", progress=50))
    projects = {"project": [project, other]}
    assert await task_ids(api, "/api/tasks", **projects, sort="updated", limit=2) == ["a0", "b1"]
    assert await task_ids(api, "/api/tasks", **projects, q="ФИЧИ", until=at(1)) == ["a0"]


def limited_to(*projects: str) -> dict[str, str]:
    """The header the gateway forwards for a key limited to `projects`."""
    return {"X-Auth-Projects": "|".join(quote(name, safe="") for name in projects)}


async def test_a_limited_key_searches_only_its_projects(api, apply, project) -> None:
    odd, hidden = f"{project} b|c ä", f"{project}-hidden"
    await apply(
        *started(project, "a0"),
        *started(odd, "b0", seconds=1),
        *started(hidden, "h0", seconds=2),
    )
    key = limited_to(project, odd)
    everything = await api.get("/api/tasks", headers=key, params={"count": "true"})
    assert [t["task_id"] for t in everything.json()] == ["b0", "a0"]
    assert everything.headers["X-Total-Count"] == "2"
    named = await api.get("/api/tasks", headers=key, params={"project": odd})
    assert [t["task_id"] for t in named.json()] == ["b0"]


async def test_a_limited_key_naming_another_project_is_403(api, apply, project) -> None:
    hidden = f"{project}-hidden"
    await apply(*started(project, "a0"), *started(hidden, "h0"))
    response = await api.get(
        "/api/tasks", headers=limited_to(project), params={"project": [project, hidden]}
    )
    assert response.status_code == 403
    assert hidden in response.json()["detail"]


async def test_the_parameters_and_headers_are_documented(api) -> None:
    document = (await api.get("/openapi.json")).json()
    for path in ("/api/projects/{project_name}/tasks", "/api/tasks"):
        operation = document["paths"][path]["get"]
        parameters = {p["name"]: p for p in operation["parameters"]}
        for name in ("limit", "offset", "status", "agent", "since", "until", "q", "sort", "cursor"):
            assert parameters[name].get("description"), (path, name)
        assert set(operation["responses"]["200"]["headers"]) == {"X-Next-Cursor", "X-Total-Count"}
    assert "project" in {p["name"] for p in document["paths"]["/api/tasks"]["get"]["parameters"]}


@pytest.mark.parametrize(
    ("scope", "sort", "index"),
    [
        ("project", TaskSort.STARTED, "ix_tasks_project_started"),
        ("project", TaskSort.UPDATED, "ix_tasks_project_updated"),
        ("project", TaskSort.DURATION, "ix_tasks_project_duration"),
        ("agent", TaskSort.STARTED, "ix_tasks_agent_started"),
        ("agent", TaskSort.DURATION, "ix_tasks_agent_duration"),
        ("everywhere", TaskSort.STARTED, "ix_tasks_started"),
        ("everywhere", TaskSort.UPDATED, "ix_tasks_updated"),
    ],
)
async def test_a_page_is_read_in_index_order(sessions, apply, project, scope, sort, index) -> None:
    """The page query as sent, after a cursor, is planned on `index` with no sort step."""
    await apply(*started(project, "t0", "t1", agent=f"{project}-agent"))
    async with sessions() as session:
        connection = await session.connection()
        where = {
            "project": TaskFilter(project=project),
            "agent": TaskFilter(agent=f"{project}-agent"),
            "everywhere": TaskFilter(),
        }[scope]
        key = 1.0 if sort is TaskSort.DURATION else T0
        statements = await sent_statements(
            connection, lambda: list_tasks(session, where, sort, 10, after=PageKey(key, 2**40))
        )
        # A generic plan, as a cached statement may get: the index must match without values.
        await connection.exec_driver_sql("SET LOCAL plan_cache_mode = force_generic_plan")
        await connection.exec_driver_sql("SET LOCAL enable_sort = off")
        plan = await plan_of(connection, *statements[-1])
    assert index in plan, plan
    assert "Sort" not in plan, plan

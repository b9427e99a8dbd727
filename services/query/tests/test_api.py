import pytest

from tests.factories import event
from tracker_contracts import EventKind


async def test_projects_are_listed_with_the_seed_fields(api, apply, project) -> None:
    await apply(event(EventKind.START, project=project))
    projects = (await api.get("/api/projects")).json()
    mine = [p for p in projects if p["name"] == project]
    assert len(mine) == 1
    assert set(mine[0]) == {"id", "name", "created_at", "updated_at"}


async def test_tasks_show_status_and_progress(api, apply, project) -> None:
    await apply(
        event(EventKind.START, 0, project=project),
        event(EventKind.STATUS, 5, project=project, progress=75),
    )
    response = await api.get(f"/api/projects/{project}/tasks")
    assert response.status_code == 200
    [task] = response.json()
    assert {k: task[k] for k in ("task_id", "title", "status", "progress", "agent")} == {
        "task_id": "task-123",
        "title": "Разработка фичи",
        "status": "running",
        "progress": 75,
        "agent": "claude-3-5",
    }
    assert task["started_at"] == "2026-01-01T10:00:00Z"
    assert task["metadata"] == {"priority": "high"}


async def test_tasks_filter_by_status_and_page_newest_first(api, apply, project) -> None:
    await apply(
        *(event(EventKind.START, i, project=project, task_id=f"t{i}") for i in range(5)),
        event(EventKind.FINISH, 10, project=project, task_id="t1"),
        event(EventKind.ERROR, 10, project=project, task_id="t3"),
    )

    async def ids(query: str) -> list[str]:
        response = await api.get(f"/api/projects/{project}/tasks?{query}")
        assert response.status_code == 200
        return [task["task_id"] for task in response.json()]

    assert await ids("") == ["t4", "t3", "t2", "t1", "t0"]
    assert await ids("status=running") == ["t4", "t2", "t0"]
    assert await ids("status=completed&status=failed") == ["t3", "t1"]
    assert await ids("limit=2&offset=1") == ["t3", "t2"]
    assert await ids("limit=2&offset=4") == ["t0"]


async def test_unknown_project_is_404(api) -> None:
    response = await api.get("/api/projects/no-such-project/tasks")
    assert response.status_code == 404
    assert "no-such-project" in response.json()["detail"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("limit=0", "limit"),
        ("limit=501", "limit"),
        ("offset=-1", "offset"),
        ("status=done", "status"),
    ],
)
async def test_bad_list_parameters_are_422_naming_the_parameter(api, apply, project, query, field):
    await apply(event(EventKind.START, project=project))
    response = await api.get(f"/api/projects/{project}/tasks?{query}")
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][:2] == ["query", field]


async def test_the_api_reports_its_database_and_the_dead_letters(api) -> None:
    response = await api.get("/db-check")
    assert (response.status_code, response.json()) == (
        200,
        {"status": "ok", "database": "connected"},
    )
    health = (await api.get("/health")).json()
    assert health == {"status": "ok", "dead_letters": {"count": 0, "oldest_age_seconds": None}}


def at(seconds: int) -> str:
    return f"2026-01-01T10:00:{seconds:02d}Z"


async def test_a_task_shows_its_whole_timeline_in_order(api, apply, project) -> None:
    await apply(
        event(EventKind.STATUS, 1, project=project, progress=10, timestamp=at(5)),
        event(EventKind.START, 2, project=project, timestamp=at(1)),
        event(EventKind.ERROR, 3, project=project, timestamp=at(20)),
        event(EventKind.STATUS, 4, project=project, progress=90, timestamp=at(30)),
    )
    response = await api.get(f"/api/projects/{project}/tasks/task-123")
    assert response.status_code == 200
    task = response.json()
    assert (task["status"], task["progress"], task["error_type"]) == ("failed", 10, "RuntimeError")
    assert task["stack_trace"] == "Traceback..."
    assert [(e["kind"], e["occurred_at"]) for e in task["events"]] == [
        ("start", at(1)),
        ("status", at(5)),
        ("error", at(20)),
        ("status", at(30)),
    ]
    assert task["events"][1]["payload"]["progress"] == 10
    assert task["events"][2]["payload"]["error_message"] == "Ошибка выполнения"


async def test_an_unknown_task_or_project_is_404(api, apply, project) -> None:
    await apply(event(EventKind.START, project=project))
    missing_task = await api.get(f"/api/projects/{project}/tasks/nope")
    missing_project = await api.get("/api/projects/no-such-project/tasks/task-123")
    assert (missing_task.status_code, missing_project.status_code) == (404, 404)
    assert "nope" in missing_task.json()["detail"]

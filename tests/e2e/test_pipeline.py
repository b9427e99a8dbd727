"""Webhooks in through ingest, applied by the query worker, tasks and statistics out through the
query API: each a process of its own."""

import asyncio
import uuid

import asyncpg
import httpx

from tests.factories import SEED_BODIES, body
from tests.waiting import eventually
from tracker_contracts import EventKind
from tracker_localstack.databases import plain_dsn


def history_size(database_url: str) -> int:
    async def count() -> int:
        connection = await asyncpg.connect(plain_dsn(database_url))
        try:
            return int(await connection.fetchval("SELECT count(*) FROM task_events"))
        finally:
            await connection.close()

    return asyncio.run(count())


def test_seed_examples_flow_through_to_the_api(ingest, query, query_worker) -> None:
    query_worker.start()
    query.start()
    webhooks = [
        ("start", SEED_BODIES[EventKind.START]),
        ("status", SEED_BODIES[EventKind.STATUS]),
        ("finish", SEED_BODIES[EventKind.FINISH]),
        ("start", body(EventKind.START, task_id="task-456")),
        ("error", body(EventKind.ERROR, task_id="task-456")),
        ("start", body(EventKind.START, task_id="task-789", project="another-project")),
    ]
    for kind, payload in webhooks:
        assert httpx.post(f"{ingest.url}/webhook/{kind}", json=payload).status_code == 202

    stats = eventually(
        lambda: (
            (s := httpx.get(f"{query.url}/api/stats").json())["total_tasks"] == 3
            and s["active_tasks"] == 1
            and s
        )
    )
    assert stats == {
        "total_projects": 2,
        "total_tasks": 3,
        "active_tasks": 1,
        "completed_tasks": 1,
        "failed_tasks": 1,
        "needs_input_tasks": 0,
        "average_duration": 1800.0,
        "usage": {
            "input_tokens": 0,
            "output_tokens": 0,
            "cache_read_tokens": 0,
            "cache_write_tokens": 0,
            "cost": {},
        },
    }
    assert sorted(p["name"] for p in httpx.get(f"{query.url}/api/projects").json()) == [
        "another-project",
        "my-project",
    ]
    tasks = httpx.get(f"{query.url}/api/projects/my-project/tasks").json()
    assert {t["task_id"]: (t["status"], t["progress"]) for t in tasks} == {
        "task-123": ("completed", 100),
        "task-456": ("failed", 0),
    }
    failed = httpx.get(f"{query.url}/api/projects/my-project/tasks?status=failed").json()
    assert [(t["task_id"], t["error_type"]) for t in failed] == [("task-456", "RuntimeError")]


def test_events_accepted_while_the_worker_is_down_are_all_applied_once(
    ingest, query, query_worker, service_env
) -> None:
    project = f"offline-{uuid.uuid4().hex[:8]}"

    async def send_all() -> list[int]:
        limit = asyncio.Semaphore(20)
        async with httpx.AsyncClient(base_url=ingest.url) as client:

            async def send(i: int) -> int:
                async with limit:
                    payload = body(EventKind.START, project=project, task_id=f"t{i}")
                    return (await client.post("/webhook/start", json=payload)).status_code

            return await asyncio.gather(*(send(i) for i in range(1000)))

    assert set(asyncio.run(send_all())) == {202}

    query.start()
    assert httpx.get(f"{query.url}/api/stats").json()["total_tasks"] == 0  # the API applies none
    query_worker.start()
    eventually(lambda: httpx.get(f"{query.url}/api/stats").json()["total_tasks"] == 1000)
    assert history_size(service_env["DATABASE_URL"]) == 1000
    page = httpx.get(f"{query.url}/api/projects/{project}/tasks?limit=500&offset=500").json()
    assert len(page) == 500


def test_the_same_event_id_sent_twice_leaves_one_history_entry(
    ingest, query, query_worker, service_env
):
    query_worker.start()
    query.start()
    payload = body(EventKind.START, event_id=str(uuid.uuid4()))
    answers = [httpx.post(f"{ingest.url}/webhook/start", json=payload) for _ in range(2)]
    assert [a.status_code for a in answers] == [202, 202]
    assert answers[0].json() == answers[1].json() == {"event_id": payload["event_id"]}

    marker = body(EventKind.START, task_id="marker")
    assert httpx.post(f"{ingest.url}/webhook/start", json=marker).status_code == 202
    eventually(lambda: httpx.get(f"{query.url}/api/stats").json()["total_tasks"] == 2)
    assert history_size(service_env["DATABASE_URL"]) == 2

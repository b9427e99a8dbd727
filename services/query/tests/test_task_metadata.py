"""A task's metadata stays bounded however much its events send, and lists stay small."""

import json

import asyncpg

from tests.factories import event
from tracker_contracts import EventKind
from tracker_localstack.databases import plain_dsn
from tracker_query.lifecycle import TASK_METADATA_MAX_BYTES, TASK_METADATA_MAX_KEYS
from tracker_query.repositories.tasks import LIST_METADATA_MAX_BYTES

KEYS_PER_EVENT = 1000  # about 13 KiB each, within the 16 KiB an event may carry


def json_size(value: object) -> int:
    return len(json.dumps(value, ensure_ascii=False).encode())


async def test_a_task_fed_120k_keys_keeps_its_bound_and_lists_stay_small(
    api, apply, project, database_url
) -> None:
    events = [
        event(
            EventKind.START if i == 0 else EventKind.FINISH,
            i,
            project=project,
            task_id="greedy",
            metadata={f"{i:03}{j:03}": j % 10 for j in range(KEYS_PER_EVENT)},
        )
        for i in range(120)
    ]
    for first in range(0, len(events), 10):  # in batches, as the consumer applies them
        await apply(*events[first : first + 10])
    await apply(event(EventKind.START, 0, project=project, task_id="modest"))

    page = await api.get(f"/api/projects/{project}/tasks")
    assert page.status_code == 200
    listed = {task["task_id"]: task for task in page.json()}
    greedy, modest = listed["greedy"], listed["modest"]
    assert json_size(greedy["metadata"]) <= LIST_METADATA_MAX_BYTES
    assert greedy["metadata_truncated"] is True
    assert (modest["metadata"], modest["metadata_truncated"]) == ({"priority": "high"}, False)
    assert len(page.content) < 3 * LIST_METADATA_MAX_BYTES

    searched = (await api.get("/api/tasks", params={"project": project})).json()
    assert {t["task_id"]: t["metadata"] for t in searched} == {
        "greedy": greedy["metadata"],
        "modest": modest["metadata"],
    }

    task = (await api.get(f"/api/projects/{project}/tasks/greedy")).json()
    assert len(task["metadata"]) <= TASK_METADATA_MAX_KEYS
    assert json_size(task["metadata"]) <= TASK_METADATA_MAX_BYTES
    assert task["metadata"] == {**events[0].payload.metadata}  # the second would pass 1,000 keys
    assert task["metadata_truncated"] is True
    assert (task["status"], len(task["events"])) == ("completed", 120)
    assert task["events"][-1]["payload"]["metadata"] == events[-1].payload.metadata

    connection = await asyncpg.connect(plain_dsn(database_url))
    try:
        stored = await connection.fetchval(
            "SELECT octet_length(t.metadata::text) FROM tasks AS t JOIN projects AS p "
            "ON p.id = t.project_id WHERE p.name = $1 AND t.task_id = 'greedy'",
            project,
        )
    finally:
        await connection.close()
    assert stored <= TASK_METADATA_MAX_BYTES


async def test_a_list_shows_the_keys_that_fit_and_the_task_all_of_them(api, apply, project) -> None:
    metadata = {"a": "x" * 1500, "b": "y" * 1500, "c": 1}
    await apply(event(EventKind.START, project=project, metadata=metadata))
    [listed] = (await api.get(f"/api/projects/{project}/tasks")).json()
    assert (listed["metadata"], listed["metadata_truncated"]) == ({"a": "x" * 1500, "c": 1}, True)
    task = (await api.get(f"/api/projects/{project}/tasks/task-123")).json()
    assert (task["metadata"], task["metadata_truncated"]) == (metadata, False)

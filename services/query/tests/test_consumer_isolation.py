"""One bad event in a batch holds back nothing: the batch is taken apart in one transaction, the
good events applied, and only the bad one set aside, without waiting for the entries to be taken
over. Real PostgreSQL and Redis."""

import uuid

import asyncpg
import httpx
import pytest

from tests.factories import body, event
from tests.waiting import eventually_async
from tracker_contracts import EventKind
from tracker_localstack.databases import plain_dsn
from tracker_query.settings import QuerySettings

from .test_consumer import pending_count, publish

GOOD = 998


@pytest.fixture
def settings(empty_database_url: str, redis_url: str, events_stream: str) -> QuerySettings:
    # Entries are never taken over during the test: whatever is applied, the batch did itself.
    return QuerySettings(
        database_url=empty_database_url,
        redis_url=redis_url,
        events_stream=events_stream,
        claim_idle_ms=3_600_000,
        dead_consumer_idle_seconds=7_200,
        apply_batch_size=2000,
    )


async def test_a_poisoned_batch_applies_the_good_events_and_sets_aside_only_the_bad(
    settings: QuerySettings, project: str, run_query
) -> None:
    # This database refuses one agent's events: a failure that event causes alone.
    connection = await asyncpg.connect(plain_dsn(settings.database_url))
    await connection.execute(
        "ALTER TABLE task_events ADD CONSTRAINT refuse_poison CHECK (agent <> 'poison')"
    )
    await connection.close()
    events = [event(EventKind.START, i, project=project, task_id=f"t{i}") for i in range(GOOD)]
    events.insert(300, event(EventKind.START, project=project, task_id="bad", agent="poison"))
    # A date the contract accepts but that does not fit PostgreSQL once in UTC.
    overflowing = body(
        EventKind.START, project=project, task_id="overflow", timestamp="9999-12-31T23:00:00-05:00"
    )
    events.insert(700, {"kind": "start", **_envelope(), "payload": overflowing})  # type: ignore[arg-type]
    await publish(settings, *events)

    async with run_query(settings) as query:
        client = query.api

        async def settled() -> bool:
            return await _dead_letters(client) == 2 and await pending_count(settings) == 0

        await eventually_async(settled)
        tasks = await _task_ids(client, project)
        assert tasks == {f"t{i}" for i in range(GOOD)}
        letters = (await client.get("/api/dead-letters")).json()["entries"]
        assert sorted(_task_id(letter["event"]) for letter in letters) == ["bad", "overflow"]
        assert any("refuse_poison" in letter["reason"] for letter in letters)
        assert (await query.worker.get("/health")).json()["consumer"] == "running"


def _envelope() -> dict[str, str]:
    return {"event_id": str(uuid.uuid4()), "received_at": "2026-01-01T10:00:00Z"}


def _task_id(body: dict) -> str:
    payload = body["payload"]
    return str(payload["task_id"] if isinstance(payload, dict) else payload)


async def _dead_letters(client: httpx.AsyncClient) -> int:
    return int((await client.get("/api/dead-letters")).json()["total"])


async def _task_ids(client: httpx.AsyncClient, project: str) -> set[str]:
    found: set[str] = set()
    for offset in range(0, 2 * GOOD, 500):
        page = await client.get(f"/api/projects/{project}/tasks?limit=500&offset={offset}")
        found |= {task["task_id"] for task in page.json()}
    return found

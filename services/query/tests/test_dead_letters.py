"""Dead letters: listed with filters and pages, inspected, re-driven exactly once, discarded,
never trimmed. Real Redis and PostgreSQL; the API in process as the gateway would call it."""

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import asyncpg
import httpx
import pytest
from faststream.redis import RedisBroker
from redis.asyncio import Redis

from tests.factories import event
from tests.waiting import eventually_async
from tracker_contracts import (
    SEQUENCE_FIELD,
    AnyTaskEvent,
    EventKind,
    appended_count_key,
    event_json,
)
from tracker_localstack.databases import plain_dsn
from tracker_query.consumer import ensure_consumer_group
from tracker_query.dead_letters import DeadLetters
from tracker_query.settings import QuerySettings


@pytest.fixture
async def redis(settings: QuerySettings) -> AsyncIterator[Redis]:
    async with Redis.from_url(str(settings.redis_url)) as client:
        await ensure_consumer_group(client, settings)
        yield client


@pytest.fixture
def letters(redis: Redis, settings: QuerySettings) -> DeadLetters:
    return DeadLetters(redis, settings.events_stream, settings.consumer_group)


async def publish(settings: QuerySettings, *events: AnyTaskEvent) -> None:
    async with RedisBroker(str(settings.redis_url)) as broker:
        for item in events:
            await broker.publish(item, stream=settings.events_stream)


async def bury_new(
    redis: Redis, letters: DeadLetters, settings: QuerySettings, item: AnyTaskEvent, reason: str
) -> dict[bytes, bytes]:
    """Put `item` on the events stream, read it in the group as the consumer does, and bury it;
    the entry's fields as they were written."""
    await publish(settings, item)
    [[_, [(entry_id, fields)]]] = await redis.xreadgroup(
        settings.consumer_group, "test", {settings.events_stream: ">"}, count=1
    )
    await letters.bury(entry_id, json.loads(item.model_dump_json()), reason)
    return dict(fields)


async def applied(settings: QuerySettings, redis: Redis) -> bool:
    """Every entry of the stream has been read by the group and acknowledged."""
    [group] = await redis.xinfo_groups(settings.events_stream)
    [(last, _)] = await redis.xrevrange(settings.events_stream, count=1)
    return bool(group["last-delivered-id"] == last and group["pending"] == 0)


async def history(client: httpx.AsyncClient, project: str, task_id: str) -> list[dict]:
    response = await client.get(f"/api/projects/{project}/tasks/{task_id}")
    return list(response.json()["events"]) if response.status_code == 200 else []


async def test_list_filters_pages_and_inspects(api, redis, letters, settings, project) -> None:
    other = f"{project}-other"
    await bury_new(redis, letters, settings, event(EventKind.START, project=project), "Check: a")
    await bury_new(redis, letters, settings, event(EventKind.START, project=other), "Other: b")
    await bury_new(redis, letters, settings, event(EventKind.STATUS, project=project), "Check: c")

    everything = (await api.get("/api/dead-letters")).json()
    assert everything["total"] == 3
    assert everything["next_cursor"] is None
    assert [e["reason"] for e in everything["entries"]] == ["Check: c", "Other: b", "Check: a"]

    mine = (await api.get("/api/dead-letters", params={"project": project})).json()
    assert [e["reason"] for e in mine["entries"]] == ["Check: c", "Check: a"]
    assert {e["project"] for e in mine["entries"]} == {project}
    found = (await api.get("/api/dead-letters", params={"reason": "other"})).json()
    assert [e["project"] for e in found["entries"]] == [other]

    first = (await api.get("/api/dead-letters", params={"limit": 2})).json()
    assert len(first["entries"]) == 2
    assert first["next_cursor"] == first["entries"][1]["id"]
    rest = (
        await api.get("/api/dead-letters", params={"limit": 2, "cursor": first["next_cursor"]})
    ).json()
    assert [e["reason"] for e in rest["entries"]] == ["Check: a"]
    assert rest["next_cursor"] is None

    failed_at = datetime.fromisoformat(everything["entries"][1]["failed_at"])
    window = {"since": failed_at.isoformat(), "until": (failed_at + timedelta(hours=1)).isoformat()}
    recent = (await api.get("/api/dead-letters", params=window)).json()
    assert [e["reason"] for e in recent["entries"]] == ["Check: c", "Other: b"]
    future = {"since": (datetime.now(UTC) + timedelta(hours=1)).isoformat()}
    assert (await api.get("/api/dead-letters", params=future)).json()["entries"] == []
    past = {"until": "1970-01-02T00:00:00Z"}
    assert (await api.get("/api/dead-letters", params=past)).json()["entries"] == []

    one = everything["entries"][0]
    assert (await api.get(f"/api/dead-letters/{one['id']}")).json() == one
    assert one["event"]["kind"] == "status"
    assert one["entry_id"] != one["id"]

    summary = (await api.get("/api/dead-letters/summary")).json()
    assert summary["count"] == 3
    assert summary["oldest_failed_at"] == everything["entries"][2]["failed_at"]
    assert summary["oldest_age_seconds"] >= 0
    assert (await letters.summary()).as_health()["count"] == 3


async def test_bad_ids_and_filters_are_refused_naming_the_field(api) -> None:
    answer = await api.get("/api/dead-letters", params={"cursor": "newest"})
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["loc"] == ["query", "cursor"]
    answer = await api.get("/api/dead-letters", params={"since": "2026-01-01T00:00:00"})
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["loc"] == ["query", "since"]
    assert (await api.get("/api/dead-letters/12")).status_code == 422
    assert (await api.get("/api/dead-letters/99999999999999999999-0")).status_code == 422
    assert (await api.get("/api/dead-letters/1-0")).status_code == 404
    assert (await api.post("/api/dead-letters/1-0/redrive")).status_code == 404
    assert (await api.delete("/api/dead-letters/1-0")).status_code == 404
    nothing = await api.post("/api/dead-letters/redrive", json={})
    assert nothing.status_code == 422
    assert "all: true" in nothing.json()["detail"][0]["msg"]
    both = await api.post("/api/dead-letters/discard", json={"all": True, "project": "p"})
    assert both.status_code == 422
    assert "takes no filter" in both.json()["detail"][0]["msg"]
    unknown = await api.post("/api/dead-letters/discard", json={"everything": True})
    assert unknown.status_code == 422
    assert unknown.json()["detail"][0]["loc"] == [
        "body",
        "everything",
    ]


async def test_only_unrestricted_admin_keys_reach_dead_letters(api) -> None:
    reader = {"X-Auth-Key-Scope": "read"}
    assert (await api.get("/api/dead-letters", headers=reader)).status_code == 403
    assert (await api.post("/api/dead-letters/1-0/redrive", headers=reader)).status_code == 403
    limited = {"X-Auth-Projects": "a"}
    assert (await api.get("/api/dead-letters/summary", headers=limited)).status_code == 403


async def test_redriven_entries_are_the_ones_buried_and_each_goes_back_once(
    api, redis, letters, settings, project
) -> None:
    written = await bury_new(redis, letters, settings, event(EventKind.START, project=project), "x")
    [letter] = (await api.get("/api/dead-letters")).json()["entries"]

    answers = await asyncio.gather(
        *(api.post(f"/api/dead-letters/{letter['id']}/redrive") for _ in range(5))
    )
    assert sorted(answer.status_code for answer in answers) == [200, 404, 404, 404, 404]
    [moved] = [answer.json() for answer in answers if answer.status_code == 200]
    [(entry_id, fields)] = await redis.xrange(settings.events_stream, min=f"({letter['entry_id']}")
    assert moved == {"id": letter["id"], "entry_id": entry_id.decode()}
    sequence = SEQUENCE_FIELD.encode()
    # Byte for byte what ingest wrote, numbered anew as the latest append (ingest's backlog
    # bound counts appends by these numbers).
    assert {k: v for k, v in fields.items() if k != sequence} == {
        k: v for k, v in written.items() if k != sequence
    }
    assert fields[sequence] == await redis.get(appended_count_key(settings.events_stream))
    assert await letters.count() == 0
    again = await api.post(f"/api/dead-letters/{letter['id']}/redrive")
    assert again.status_code == 404
    assert "re-driven or discarded already" in again.json()["detail"]


async def test_redrive_and_discard_by_filter_or_all(api, redis, letters, settings, project) -> None:
    other = f"{project}-other"
    for task_id in ("a", "b"):
        item = event(EventKind.START, project=project, task_id=task_id)
        await bury_new(redis, letters, settings, item, "Check: x")
    for task_id in ("c", "d", "e"):
        item = event(EventKind.START, project=other, task_id=task_id)
        await bury_new(redis, letters, settings, item, "Other: y")
    before = await redis.xlen(settings.events_stream)

    redriven = await api.post("/api/dead-letters/redrive", json={"project": project})
    assert redriven.json() == {"redriven": 2}
    back = await redis.xrange(settings.events_stream, count=before + 10)
    assert len(back) == before + 2
    # Oldest first, so that a task's events go back in their order.
    assert [json.loads(event_json(f))["payload"]["task_id"] for _, f in back[-2:]] == ["a", "b"]

    limited = await api.post("/api/dead-letters/discard", json={"reason": "other", "limit": 1})
    assert limited.json() == {"discarded": 1}
    left = (await api.get("/api/dead-letters")).json()["entries"]
    assert [e["event"]["payload"]["task_id"] for e in left] == ["e", "d"]
    assert (await api.delete(f"/api/dead-letters/{left[0]['id']}")).status_code == 204
    assert (await api.delete(f"/api/dead-letters/{left[0]['id']}")).status_code == 404
    assert (await api.post("/api/dead-letters/discard", json={"all": True})).json() == {
        "discarded": 1
    }
    assert await letters.count() == 0
    assert await redis.xlen(settings.events_stream) == before + 2


async def test_the_dead_letters_are_never_trimmed(redis, letters, settings, project) -> None:
    # More than the 100,000 letters the stream was once capped at (MAXLEN ~ 100000).
    await redis.eval(
        "for i = 1, 101000 do redis.call('XADD', KEYS[1], '*', 'entry_id', i .. '-0', "
        "'reason', 'r', 'failed_at', ARGV[1], 'event', '{}') end",
        1,
        letters.stream,
        datetime.now(UTC).isoformat(),
    )
    await bury_new(redis, letters, settings, event(EventKind.START, project=project), "last")
    assert await letters.count() == 101_001


@pytest.fixture
def consumer_settings(empty_database_url: str, settings: QuerySettings) -> QuerySettings:
    return settings.model_copy(
        update={
            "database_url": empty_database_url,
            "maintenance_interval_seconds": 0.2,
        }
    )


async def test_a_redriven_event_is_applied_exactly_once(consumer_settings, run_query) -> None:
    settings = consumer_settings
    # A rule of this database refuses one agent's events: retrying cannot fix it, an admin can.
    connection = await asyncpg.connect(plain_dsn(settings.database_url))
    await connection.execute(
        "ALTER TABLE task_events ADD CONSTRAINT refuse_poison CHECK (agent <> 'poison')"
    )
    poisoned = event(EventKind.START, task_id="bad", agent="poison")
    await publish(settings, event(EventKind.START, task_id="good"), poisoned)
    async with (
        run_query(settings) as query,
        Redis.from_url(str(settings.redis_url)) as redis,
    ):
        client = query.api
        [letter] = await eventually_async(lambda: _letters(client, 1))
        assert "refuse_poison" in letter["reason"]
        assert letter["event"]["event_id"] == str(poisoned.event_id)

        await connection.execute("ALTER TABLE task_events DROP CONSTRAINT refuse_poison")
        await connection.close()
        assert (await client.post(f"/api/dead-letters/{letter['id']}/redrive")).status_code == 200
        second = await client.post(f"/api/dead-letters/{letter['id']}/redrive")
        assert second.status_code == 404
        await eventually_async(lambda: applied(settings, redis))
        [applied_once] = await history(client, "my-project", "bad")
        assert applied_once["event_id"] == str(poisoned.event_id)
        assert (await client.get("/api/dead-letters/summary")).json()["count"] == 0


async def test_an_event_already_applied_changes_nothing_when_redriven(
    consumer_settings, project, run_query
) -> None:
    """A letter buried before entries were kept (its event as JSON only), whose event reached
    the database since (a client's retry): it goes back, and the event is still there once."""
    settings = consumer_settings
    started = event(EventKind.START, project=project, task_id="t")
    await publish(settings, started)
    async with (
        run_query(settings) as query,
        Redis.from_url(str(settings.redis_url)) as redis,
    ):
        client = query.api
        await eventually_async(lambda: history(client, project, "t"))
        await redis.xadd(
            f"{settings.events_stream}:dead-letters",
            {
                "entry_id": "1-0",
                "reason": "OperationalError: earlier",
                "failed_at": datetime.now(UTC).isoformat(),
                "event": started.model_dump_json(),
            },
        )
        [letter] = (await client.get("/api/dead-letters")).json()["entries"]
        assert (await client.post(f"/api/dead-letters/{letter['id']}/redrive")).status_code == 200
        await eventually_async(lambda: applied(settings, redis))
        assert len(await history(client, project, "t")) == 1
        assert (await client.get("/api/dead-letters")).json()["total"] == 0


async def _letters(client: httpx.AsyncClient, count: int) -> list[dict] | None:
    entries = (await client.get("/api/dead-letters")).json()["entries"]
    return entries if len(entries) == count else None


async def test_an_event_that_fails_again_is_buried_again_and_redriven_once(
    consumer_settings, run_query
) -> None:
    settings = consumer_settings
    async with (
        run_query(settings) as query,
        Redis.from_url(str(settings.redis_url)) as redis,
    ):
        client = query.api
        await redis.xadd(settings.events_stream, {"note": "not an event"})
        [first] = await eventually_async(lambda: _letters(client, 1))
        answer = await client.post("/api/dead-letters/redrive", json={"all": True})
        assert answer.json() == {"redriven": 1}
        [again] = await eventually_async(lambda: _letters_other_than(client, first["id"]))
        assert again["event"] == {"note": "not an event"}
        assert again["entry_id"] != first["entry_id"]
        assert (await client.get("/api/dead-letters")).json()["total"] == 1


async def _letters_other_than(client: httpx.AsyncClient, letter_id: str) -> list[dict] | None:
    entries = (await client.get("/api/dead-letters")).json()["entries"]
    return entries if entries and entries[0]["id"] != letter_id else None

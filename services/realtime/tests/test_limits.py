"""Limits of the feed, with real Redis: connections per API key across replicas, counts read
without scanning the keyspace, and the bounded work of a resume."""

from contextlib import ExitStack
from typing import Any

import pytest
from redis import Redis
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from tests.factories import GATEWAY_IDENTITY, event
from tests.waiting import eventually
from tracker_contracts import KEY_NAME_HEADER, EntryId, EventKind
from tracker_realtime.settings import RealtimeSettings

pytestmark = pytest.mark.timeout(60)


def stream_ids(settings: RealtimeSettings) -> list[str]:
    with Redis.from_url(str(settings.redis_url)) as redis:
        return [entry_id.decode() for entry_id, _ in redis.xrange(settings.events_stream)]


def stats(client: TestClient) -> dict[str, Any]:
    answer: dict[str, Any] = client.get("/api/websocket/stats").json()
    return answer


def as_key(name: str) -> dict[str, str]:
    return {**GATEWAY_IDENTITY, KEY_NAME_HEADER: name}


def scans(settings: RealtimeSettings) -> int:
    with Redis.from_url(str(settings.redis_url)) as redis:
        commands = redis.info("commandstats")
    return int(commands.get("cmdstat_scan", {}).get("calls", 0))


def test_a_key_gets_no_more_connections_than_allowed_across_replicas(settings, run_realtime):
    capped = settings.model_copy(update={"max_connections_per_key": 2})
    one = capped.model_copy(update={"replica_id": "replica-one"})
    two = capped.model_copy(update={"replica_id": "replica-two"})
    with run_realtime(one) as first, run_realtime(two) as second, ExitStack() as open_sockets:
        open_sockets.enter_context(first.websocket_connect("/webhook/ws?project=p"))
        held = open_sockets.enter_context(second.websocket_connect("/webhook/ws?project=q"))
        eventually(lambda: stats(first)["total_connections"] == 2)
        with (
            first.websocket_connect("/webhook/ws?project=p") as third,
            pytest.raises(WebSocketDisconnect) as refused,
        ):
            third.receive_json()
        other_key = second.websocket_connect("/webhook/ws", headers=as_key("another-key"))
        with other_key as admitted:
            eventually(lambda: stats(first)["total_connections"] == 3)
            admitted.send_text("ping")
            assert admitted.receive_text() == "pong"
        held.close()
        eventually(lambda: stats(first)["total_connections"] == 1)
        with first.websocket_connect("/webhook/ws?project=p") as again:
            again.send_text("ping")
            assert again.receive_text() == "pong"

    assert refused.value.code == 4029
    assert refused.value.reason == "this API key already has 2 open connections; close one first"


def test_counts_add_up_over_replicas_without_scanning_the_keyspace(settings, run_realtime):
    one = settings.model_copy(update={"replica_id": "replica-one"})
    two = settings.model_copy(update={"replica_id": "replica-two"})
    with run_realtime(one) as first, run_realtime(two) as second, ExitStack() as open_sockets:
        for client, query in [(first, "project=a"), (first, "project=a&project=b"), (second, "")]:
            open_sockets.enter_context(client.websocket_connect(f"/webhook/ws?{query}"))
        expected = {"total_connections": 3, "project_connections": {"a": 2, "b": 1}}
        eventually(lambda: stats(second) == expected)
        scans_before = scans(settings)
        seen = [stats(first), stats(second)]
        scans_after = scans(settings)

    assert seen == [expected, expected]
    assert scans_after == scans_before


def test_a_resume_reads_only_its_project_s_entries(settings, run_realtime, publish):
    """Nothing may be scanned: the client's events are found in the index alone."""
    no_scanning = settings.model_copy(update={"replay_max_scanned": 0})
    with run_realtime(no_scanning) as client:
        publish(client, no_scanning, event(EventKind.START, 0, project="other"))
        since = stream_ids(no_scanning)[-1]
        mine = [event(EventKind.START, i, project="mine", task_id=f"t{i}") for i in (1, 2)]
        others = [event(EventKind.START, i, project="other") for i in range(3, 300)]
        publish(client, no_scanning, mine[0], *others, mine[1])
        newest = stream_ids(no_scanning)[-1]
        index = client.app.state.index  # type: ignore[attr-defined]
        eventually(lambda: index.count_after(EntryId.parse(since), []) == 299)
        with client.websocket_connect(f"/webhook/ws?project=mine&since={since}") as websocket:
            replayed = [websocket.receive_json() for _ in range(3)]

    assert [m["event_id"] for m in replayed[:2]] == [str(e.event_id) for e in mine]
    assert replayed[2]["data"] == {"replayed": 2, "last_id": newest}


def test_entries_already_on_the_stream_at_start_are_indexed(settings, run_realtime, publish):
    with run_realtime(settings) as client:
        publish(client, settings, *[event(EventKind.START, i, project="p") for i in range(5)])
    ids = stream_ids(settings)
    no_scanning = settings.model_copy(update={"replay_max_scanned": 0})
    with run_realtime(no_scanning) as client:
        index = client.app.state.index  # type: ignore[attr-defined]
        eventually(lambda: len(index) == 5)
        with client.websocket_connect(f"/webhook/ws?project=p&since={ids[1]}") as websocket:
            replayed = [websocket.receive_json() for _ in range(4)]

    assert [m["id"] for m in replayed[:3]] == ids[2:]
    assert replayed[3]["data"] == {"replayed": 3, "last_id": ids[-1]}


def test_a_resume_that_would_read_too_much_of_the_stream_is_cut(settings, run_realtime, publish):
    # An index holding nothing: every resume reads the stream, at most 10 entries of it.
    unindexed = settings.model_copy(
        update={"replay_index_max_entries": 0, "replay_max_scanned": 10}
    )
    with run_realtime(unindexed) as client:
        publish(client, unindexed, event(EventKind.START, 0, project="p"))
        since = stream_ids(unindexed)[-1]
        others = [event(EventKind.START, i, project="other") for i in range(1, 30)]
        publish(client, unindexed, *others, event(EventKind.START, 30, project="p"))
        with client.websocket_connect(f"/webhook/ws?project=p&since={since}") as websocket:
            cut = websocket.receive_json()
            live = event(EventKind.FINISH, 40, project="p")
            publish(client, unindexed, live)
            after = websocket.receive_json()

    assert cut["type"] == "resync_required"
    assert cut["data"] == {"reason": "too_far_behind", "oldest_available": since}
    assert after["event_id"] == str(live.event_id)

"""Resuming the live feed after a disconnection: replay, resync, heartbeats, with real Redis."""

from typing import Any

import pytest
from redis import Redis
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from tests.factories import event
from tests.waiting import eventually
from tracker_contracts import EventKind
from tracker_realtime.settings import RealtimeSettings

pytestmark = pytest.mark.timeout(30)


def stream_ids(settings: RealtimeSettings) -> list[str]:
    with Redis.from_url(str(settings.redis_url)) as redis:
        return [entry_id.decode() for entry_id, _ in redis.xrange(settings.events_stream)]


def receive(websocket: Any, count: int) -> list[dict[str, Any]]:
    return [websocket.receive_json() for _ in range(count)]


def connected(client: TestClient, count: int) -> None:
    eventually(lambda: client.get("/api/websocket/stats").json()["total_connections"] == count)


def test_a_client_back_with_since_gets_exactly_what_it_missed_then_live_events(
    realtime, settings, publish
):
    with realtime.websocket_connect("/webhook/ws?project=p") as websocket:
        connected(realtime, 1)
        publish(realtime, settings, event(EventKind.START, 0, project="p"))
        seen = websocket.receive_json()
    assert [seen["id"]] == stream_ids(settings)
    missed = [event(EventKind.STATUS, i, project="p", progress=i) for i in range(1, 101)]
    publish(realtime, settings, *missed)

    with realtime.websocket_connect(f"/webhook/ws?project=p&since={seen['id']}") as websocket:
        replayed = receive(websocket, 100)
        complete = websocket.receive_json()
        live = event(EventKind.FINISH, 200, project="p")
        publish(realtime, settings, live)
        after = websocket.receive_json()

    assert [m["event_id"] for m in replayed] == [str(e.event_id) for e in missed]
    assert [m["data"]["progress"] for m in replayed] == list(range(1, 101))
    assert [m["id"] for m in replayed] == stream_ids(settings)[1:101]
    assert complete["type"] == "replay_complete"
    assert complete["data"] == {"replayed": 100, "last_id": replayed[-1]["id"]}
    assert (after["type"], after["event_id"]) == ("task_finished", str(live.event_id))
    assert after["id"] == stream_ids(settings)[-1]


@pytest.mark.parametrize("given_as", ["query", "Last-Event-ID"])
def test_the_replay_holds_only_the_client_s_projects(realtime, settings, publish, given_as):
    publish(realtime, settings, event(EventKind.START, 0, project="a"))
    since = stream_ids(settings)[-1]
    events = [
        event(EventKind.START, i, project=project, task_id=f"t{i}")
        for i, project in enumerate("abcabcb", start=1)
    ]
    publish(realtime, settings, *events)
    path, headers = "/webhook/ws?project=a&project=c", {}
    if given_as == "query":
        path += f"&since={since}"
    else:
        headers["Last-Event-ID"] = since

    with realtime.websocket_connect(path, headers=headers) as websocket:
        replayed = receive(websocket, 4)
        complete = websocket.receive_json()

    expected = [e for e in events if e.payload.project in {"a", "c"}]
    assert [m["event_id"] for m in replayed] == [str(e.event_id) for e in expected]
    assert complete["data"] == {"replayed": 4, "last_id": replayed[-1]["id"]}


def test_a_client_whose_missed_events_were_trimmed_is_told_to_resync(realtime, settings, publish):
    publish(realtime, settings, *[event(EventKind.START, i, project="p") for i in range(5)])
    ids = stream_ids(settings)
    with Redis.from_url(str(settings.redis_url)) as redis:
        redis.xtrim(settings.events_stream, minid=ids[3], approximate=False)

    with realtime.websocket_connect(f"/webhook/ws?project=p&since={ids[0]}") as websocket:
        first = websocket.receive_json()
        live = event(EventKind.FINISH, 10, project="p")
        publish(realtime, settings, live)
        after = websocket.receive_json()

    assert first["type"] == "resync_required"
    assert first["data"] == {"reason": "history_trimmed", "oldest_available": ids[3]}
    assert first["timestamp"]
    assert after["event_id"] == str(live.event_id)  # live from now: the kept entries are skipped


def test_a_client_that_missed_more_than_the_replay_limit_is_told_to_resync(
    settings, run_realtime, publish
):
    limited = settings.model_copy(update={"replay_max_events": 5})
    with run_realtime(limited) as client:
        publish(client, limited, *[event(EventKind.START, i, project="p") for i in range(7)])
        ids = stream_ids(limited)
        with client.websocket_connect(f"/webhook/ws?since={ids[1]}") as websocket:
            at_the_limit = receive(websocket, 6)
        with client.websocket_connect(f"/webhook/ws?since={ids[0]}") as websocket:
            first = websocket.receive_json()
            live = event(EventKind.FINISH, 10, project="p")
            publish(client, limited, live)
            after = websocket.receive_json()

    assert [m["id"] for m in at_the_limit[:5]] == ids[2:]
    assert at_the_limit[5]["data"] == {"replayed": 5, "last_id": ids[-1]}
    assert first["type"] == "resync_required"
    assert first["data"] == {"reason": "too_far_behind", "oldest_available": ids[0]}
    assert after["event_id"] == str(live.event_id)


def test_heartbeats_come_regularly_and_tell_the_client_s_position(settings, run_realtime, publish):
    quick = settings.model_copy(update={"heartbeat_seconds": 0.2})
    with run_realtime(quick) as client:
        with client.websocket_connect("/webhook/ws?project=p") as websocket:
            first = websocket.receive_json()
            publish(client, quick, event(EventKind.START, 0, project="p"))
            while (relayed := websocket.receive_json())["type"] == "heartbeat":
                pass
            after_relayed = websocket.receive_json()
            publish(client, quick, event(EventKind.START, 1, project="not-followed"))
            other_project = stream_ids(quick)[-1]
            eventually(lambda: websocket.receive_json()["data"]["last_id"] == other_project)
        with client.websocket_connect(f"/webhook/ws?since={relayed['id']}") as websocket:
            resumed = receive(websocket, 3)

    assert first["type"] == "heartbeat"
    assert first["data"] == {"last_id": None}
    assert first["timestamp"]
    assert relayed["type"] == "task_started"
    assert after_relayed == {
        **after_relayed,
        "type": "heartbeat",
        "data": {"last_id": relayed["id"]},
    }
    assert resumed[0]["data"]["project"] == "not-followed"
    assert resumed[1]["data"] == {"replayed": 1, "last_id": other_project}
    assert resumed[2] == {**resumed[2], "type": "heartbeat", "data": {"last_id": other_project}}


@pytest.mark.parametrize(
    ("query", "headers"),
    [
        ("since=abc", {}),
        ("since=1-2-3", {}),
        ("since=", {}),
        ("since=99999999999999999999999", {}),
        ("project=p", {"Last-Event-ID": "yesterday"}),
    ],
)
def test_a_malformed_position_is_refused(realtime, query, headers):
    with (
        realtime.websocket_connect(f"/webhook/ws?{query}", headers=headers) as websocket,
        pytest.raises(WebSocketDisconnect) as refused,
    ):
        websocket.receive_json()
    assert refused.value.code == 1008
    assert "since must be a stream entry id" in refused.value.reason

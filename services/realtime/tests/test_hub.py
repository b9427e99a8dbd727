import asyncio
import json
from typing import Any

from tracker_contracts import EntryId
from tracker_realtime.hub import Heartbeat, Hub, Subscriber
from tracker_realtime.stream import Relayed


def subscriber(*projects: str, queue_size: int = 10) -> Subscriber:
    websocket: Any = object()  # never touched: these tests only queue
    return Subscriber(websocket, projects, queue_size, send_timeout=1.0)


def message(text: str, project: str = "a", milliseconds: int = 1) -> Relayed:
    return Relayed(EntryId(milliseconds, 0), project, text)


def drain(queue: asyncio.Queue[Any]) -> list[str]:
    return [queue.get_nowait().text for _ in range(queue.qsize())]


class RecordingWebSocket:
    def __init__(self) -> None:
        self.sent: list[str] = []

    async def send_text(self, text: str) -> None:
        self.sent.append(text)


def test_messages_reach_the_followers_of_their_project_and_the_followers_of_all() -> None:
    hub = Hub()
    follows_a, follows_b, follows_all = subscriber("a"), subscriber("b"), subscriber()
    for s in (follows_a, follows_b, follows_all):
        hub.add(s)
    hub.publish(message("m1", "a"))
    hub.publish(message("m2", "b"))
    assert drain(follows_a.queue) == ["m1"]
    assert drain(follows_b.queue) == ["m2"]
    assert drain(follows_all.queue) == ["m1", "m2"]


def test_a_client_may_follow_several_projects() -> None:
    hub = Hub()
    both = subscriber("a", "b")
    hub.add(both)
    hub.publish(message("m1", "a"))
    hub.publish(message("m2", "c"))
    hub.publish(message("m3", "b"))
    assert drain(both.queue) == ["m1", "m3"]


def test_removed_clients_get_nothing_and_are_not_counted() -> None:
    hub = Hub()
    gone, staying = subscriber("a"), subscriber("a", "b")
    hub.add(gone)
    hub.add(staying)
    assert hub.counts() == (2, {"a": 2, "b": 1})
    hub.remove(gone)
    hub.publish(message("m1", "a"))
    assert drain(gone.queue) == []
    assert hub.counts() == (1, {"a": 1, "b": 1})


def test_clients_following_everything_count_in_the_total_only() -> None:
    hub = Hub()
    hub.add(subscriber())
    hub.add(subscriber("a"))
    assert hub.counts() == (2, {"a": 1})


def test_a_client_that_falls_behind_is_marked_without_blocking_others() -> None:
    hub = Hub()
    slow, fast = subscriber("a", queue_size=2), subscriber("a", queue_size=10)
    hub.add(slow)
    hub.add(fast)
    for i in range(3):
        hub.publish(message(f"m{i}", "a"))
    assert slow.overflowed.is_set()
    assert not fast.overflowed.is_set()
    assert drain(fast.queue) == ["m0", "m1", "m2"]


def test_changes_are_announced() -> None:
    changes: list[int] = []
    hub = Hub(on_change=lambda: changes.append(1))
    client = subscriber("a")
    hub.add(client)
    hub.remove(client)
    assert len(changes) == 2


async def test_events_at_or_before_the_position_are_not_sent_again() -> None:
    websocket = RecordingWebSocket()
    client = Subscriber(websocket, (), 10, send_timeout=1.0)  # type: ignore[arg-type]
    client.position = EntryId(5, 0)
    for milliseconds in (4, 5, 6, 6, 7):
        client.offer(message(f"m{milliseconds}", milliseconds=milliseconds))
    sending = asyncio.create_task(client.send_forever())
    await asyncio.sleep(0.05)
    sending.cancel()
    assert websocket.sent == ["m6", "m7"]
    assert client.position == EntryId(7, 0)


async def test_a_heartbeat_tells_the_position_when_it_is_sent() -> None:
    websocket = RecordingWebSocket()
    client = Subscriber(websocket, ("a",), 10, send_timeout=1.0)  # type: ignore[arg-type]
    client.offer(Heartbeat(covers=None))
    client.offer(message("m1", milliseconds=3))
    client.offer(Heartbeat(covers=None))
    client.offer(Heartbeat(covers=EntryId(9, 0)))  # newer events were of other projects
    sending = asyncio.create_task(client.send_forever())
    await asyncio.sleep(0.05)
    sending.cancel()
    first, event, second, third = websocket.sent
    assert json.loads(first)["data"] == {"last_id": None}
    assert event == "m1"
    assert json.loads(second)["data"] == {"last_id": "3-0"}
    assert json.loads(third)["data"] == {"last_id": "9-0"}
    assert json.loads(third)["type"] == "heartbeat"


def test_the_hub_knows_the_newest_entry_published() -> None:
    hub = Hub()
    assert hub.newest is None
    hub.publish(message("m1", "a", milliseconds=4))
    hub.publish(message("m2", "nobody-follows", milliseconds=5))
    assert hub.newest == EntryId(5, 0)


class StuckWebSocket:
    """A client that stopped reading: a send never completes."""

    async def send_text(self, text: str) -> None:
        await asyncio.Event().wait()


async def test_a_client_stuck_in_a_send_for_longer_than_the_send_timeout_is_too_slow() -> None:
    client = Subscriber(StuckWebSocket(), (), 10, send_timeout=0.05)  # type: ignore[arg-type]
    sending = asyncio.create_task(client.send("m1"))
    await asyncio.wait_for(client.until_too_slow(), timeout=5)
    sending.cancel()


async def test_a_client_whose_queue_overflowed_is_too_slow() -> None:
    client = subscriber(queue_size=1)
    client.offer(message("m1"))
    client.offer(message("m2"))
    await asyncio.wait_for(client.until_too_slow(), timeout=5)


async def test_a_client_that_sends_at_once_is_not_too_slow() -> None:
    client = Subscriber(RecordingWebSocket(), (), 10, send_timeout=0.02)  # type: ignore[arg-type]
    watching = asyncio.create_task(client.until_too_slow())
    for i in range(5):
        await client.send(f"m{i}")
        await asyncio.sleep(0.02)
    assert not watching.done()
    watching.cancel()


def test_entries_nobody_follows_still_move_the_newest_position() -> None:
    hub = Hub()
    hub.add(subscriber("a"))
    assert hub.is_followed("a")
    assert not hub.is_followed("b")
    hub.passed(EntryId(7, 0))
    assert hub.newest == EntryId(7, 0)
    hub.add(subscriber())
    assert hub.is_followed("b")

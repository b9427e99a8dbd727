import asyncio
from typing import Any

from tracker_realtime.hub import Hub, Subscriber


def subscriber(*projects: str, queue_size: int = 10) -> Subscriber:
    websocket: Any = object()  # never touched: these tests only queue
    return Subscriber(websocket, projects, queue_size)


def drain(queue: asyncio.Queue[str]) -> list[str]:
    return [queue.get_nowait() for _ in range(queue.qsize())]


def test_messages_reach_the_followers_of_their_project_and_the_followers_of_all() -> None:
    hub = Hub()
    follows_a, follows_b, follows_all = subscriber("a"), subscriber("b"), subscriber()
    for s in (follows_a, follows_b, follows_all):
        hub.add(s)
    hub.publish("a", "m1")
    hub.publish("b", "m2")
    assert drain(follows_a.queue) == ["m1"]
    assert drain(follows_b.queue) == ["m2"]
    assert drain(follows_all.queue) == ["m1", "m2"]


def test_a_client_may_follow_several_projects() -> None:
    hub = Hub()
    both = subscriber("a", "b")
    hub.add(both)
    hub.publish("a", "m1")
    hub.publish("c", "m2")
    hub.publish("b", "m3")
    assert drain(both.queue) == ["m1", "m3"]


def test_removed_clients_get_nothing_and_are_not_counted() -> None:
    hub = Hub()
    gone, staying = subscriber("a"), subscriber("a", "b")
    hub.add(gone)
    hub.add(staying)
    assert hub.counts() == (2, {"a": 2, "b": 1})
    hub.remove(gone)
    hub.publish("a", "m1")
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
        hub.publish("a", f"m{i}")
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

"""Which WebSocket client wants which project's messages, and a bounded queue for each."""

import asyncio
from collections import Counter
from collections.abc import Callable, Collection

from starlette.websockets import WebSocket


class Subscriber:
    """One connected client: the projects it follows (all when empty) and its send queue."""

    def __init__(self, websocket: WebSocket, projects: Collection[str], queue_size: int) -> None:
        self.websocket = websocket
        self.projects = frozenset(projects)
        self.queue: asyncio.Queue[str] = asyncio.Queue(maxsize=queue_size)
        self.overflowed = asyncio.Event()

    def offer(self, text: str) -> None:
        """Queue a message without waiting; a client too slow to keep up is marked overflowed."""
        try:
            self.queue.put_nowait(text)
        except asyncio.QueueFull:
            self.overflowed.set()

    async def send_forever(self, send_timeout: float) -> None:
        """Send queued messages in order; a send slower than `send_timeout` ends the loop."""
        while True:
            text = await self.queue.get()
            async with asyncio.timeout(send_timeout):
                await self.websocket.send_text(text)


class Hub:
    def __init__(self, on_change: Callable[[], None] = lambda: None) -> None:
        self._by_project: dict[str, set[Subscriber]] = {}
        self._everything: set[Subscriber] = set()
        self._on_change = on_change

    def add(self, subscriber: Subscriber) -> None:
        if not subscriber.projects:
            self._everything.add(subscriber)
        for project in subscriber.projects:
            self._by_project.setdefault(project, set()).add(subscriber)
        self._on_change()

    def remove(self, subscriber: Subscriber) -> None:
        self._everything.discard(subscriber)
        for project in subscriber.projects:
            followers = self._by_project.get(project, set())
            followers.discard(subscriber)
            if not followers:
                self._by_project.pop(project, None)
        self._on_change()

    def publish(self, project: str, text: str) -> None:
        for subscriber in (*self._by_project.get(project, ()), *self._everything):
            subscriber.offer(text)

    def counts(self) -> tuple[int, Counter[str]]:
        """Connections in all, and per followed project."""
        subscribers = set(self._everything).union(*self._by_project.values())
        return len(subscribers), Counter({p: len(s) for p, s in self._by_project.items()})

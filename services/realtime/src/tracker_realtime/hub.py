"""Which WebSocket client wants which project's messages, and a bounded queue for each."""

import asyncio
import time
from collections import Counter
from collections.abc import Callable, Collection
from typing import NamedTuple, NoReturn

from starlette.websockets import WebSocket

from tracker_contracts import EntryId, HeartbeatData, HeartbeatMessage

from .stream import Relayed


class Heartbeat(NamedTuple):
    """Queued like a message, but written when sent, so that it tells the position then.

    `covers` is the newest entry published when it was queued: every event up to it that the
    client follows was queued before, so once the heartbeat is sent the client has them all,
    and may resume from there even if it follows only quiet projects."""

    covers: EntryId | None


class Notice(NamedTuple):
    """A message that is not a stream event (a task fell silent): sent as is, not resumable."""

    project: str
    text: str


class Subscriber:
    """One connected client: the projects it follows (all when empty), its send queue, and its
    position, the entry up to which it has every event it follows."""

    def __init__(
        self,
        websocket: WebSocket,
        projects: Collection[str],
        queue_size: int,
        send_timeout: float,
    ) -> None:
        self.websocket = websocket
        self.projects = frozenset(projects)
        self.queue: asyncio.Queue[Relayed | Heartbeat | Notice] = asyncio.Queue(maxsize=queue_size)
        self.overflowed = asyncio.Event()
        self.position: EntryId | None = None
        self._send_timeout = send_timeout
        self._sending_since: float | None = None

    def follows(self, project: str) -> bool:
        return not self.projects or project in self.projects

    def offer(self, message: Relayed | Heartbeat | Notice) -> None:
        """Queue a message without waiting; a client too slow to keep up is marked overflowed."""
        try:
            self.queue.put_nowait(message)
        except asyncio.QueueFull:
            self.overflowed.set()

    async def send(self, text: str, entry_id: EntryId | None = None) -> None:
        """Send at once; a send slower than the send timeout ends `until_too_slow`."""
        self._sending_since = time.monotonic()
        await self.websocket.send_text(text)
        self._sending_since = None
        self._advance(entry_id)

    async def until_too_slow(self) -> None:
        """Return once the client overflowed its queue or has been stuck in one send for longer
        than the send timeout. Checked every half timeout rather than with a timer around each
        send: sends are many and almost all instant, and a timer each was a tenth of the cost
        of a send."""
        while True:
            try:
                async with asyncio.timeout(self._send_timeout / 2):
                    await self.overflowed.wait()
                return
            except TimeoutError:
                if self._stuck():
                    return

    def _stuck(self) -> bool:
        since = self._sending_since
        return since is not None and time.monotonic() - since > self._send_timeout

    async def send_forever(self) -> NoReturn:
        """Send queued messages in order, skipping events at or before the position: the
        replay already sent them."""
        while True:
            message = await self.queue.get()
            if isinstance(message, Heartbeat):
                self._advance(message.covers)
                last_id = None if self.position is None else str(self.position)
                await self.send(
                    HeartbeatMessage(data=HeartbeatData(last_id=last_id)).model_dump_json()
                )
            elif isinstance(message, Notice):
                await self.send(message.text)
            elif self.position is None or message.entry_id > self.position:
                await self.send(message.text, message.entry_id)

    def _advance(self, entry_id: EntryId | None) -> None:
        if entry_id is not None and (self.position is None or entry_id > self.position):
            self.position = entry_id

    async def beat_forever(self, interval: float, hub: "Hub") -> NoReturn:
        while True:
            await asyncio.sleep(interval)
            self.offer(Heartbeat(hub.newest))


class Hub:
    def __init__(self, on_change: Callable[[], None] = lambda: None) -> None:
        self._by_project: dict[str, set[Subscriber]] = {}
        self._everything: set[Subscriber] = set()
        self._on_change = on_change
        self.newest: EntryId | None = None
        """The newest entry published."""

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

    def is_followed(self, project: str) -> bool:
        return bool(self._everything) or project in self._by_project

    def passed(self, entry_id: EntryId) -> None:
        """An entry that no client follows went by."""
        self.newest = entry_id

    def publish(self, message: Relayed) -> None:
        self.newest = message.entry_id
        for subscriber in (*self._by_project.get(message.project, ()), *self._everything):
            subscriber.offer(message)

    def announce(self, notice: Notice) -> None:
        for subscriber in (*self._by_project.get(notice.project, ()), *self._everything):
            subscriber.offer(notice)

    def counts(self) -> tuple[int, Counter[str]]:
        """Connections in all, and per followed project."""
        subscribers = set(self._everything).union(*self._by_project.values())
        return len(subscribers), Counter({p: len(s) for p, s in self._by_project.items()})

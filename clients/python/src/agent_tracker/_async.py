"""The same client for asyncio code: sending runs in a worker thread, never on the loop."""

import asyncio
import functools
from collections.abc import Awaitable, Callable
from contextvars import Token
from types import TracebackType
from typing import Any, ParamSpec, TypeVar

from ._config import TrackerConfig
from ._events import Event, Kind, Usage, new_task_id
from ._ordering import Receipt
from ._tasks import TaskIdentity, _current, closing_event
from ._tracker import FlushReport, Tracker

P = ParamSpec("P")
R = TypeVar("R")


class AsyncTracker:
    """`Tracker` with awaitable methods; same settings, same spool, same guarantees."""

    def __init__(self, config: TrackerConfig | None = None, **options: Any) -> None:
        self.sync = Tracker(config, **options)

    @property
    def config(self) -> TrackerConfig:
        return self.sync.config

    def event(self, kind: Kind, **fields: Any) -> Event:
        return self.sync.event(kind, **fields)

    async def send(self, event: Event) -> Receipt:
        return await asyncio.to_thread(self.sync.send, event)

    async def report(self, kind: Kind, *, task: str, task_id: str, **fields: Any) -> Receipt:
        return await self.send(self.event(kind, task=task, task_id=task_id, **fields))

    async def flush(self) -> FlushReport:
        return await asyncio.to_thread(self.sync.flush)

    def task(
        self,
        title: str,
        *,
        task_id: str | None = None,
        project: str | None = None,
        agent: str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> "AsyncTaskContext":
        """`async with tracker.task("Build feature") as task: await task.progress(50)`."""
        identity = TaskIdentity(self.sync, title, task_id or new_task_id(), project, agent)
        return AsyncTaskContext(self, identity, metadata)

    def track(
        self,
        title: str | None = None,
        *,
        project: str | None = None,
        agent: str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> Callable[[Callable[P, Awaitable[R]]], Callable[P, Awaitable[R]]]:
        """Decorator for coroutine functions: every call is a task of its own."""

        def decorate(function: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[R]]:
            @functools.wraps(function)
            async def run_as_task(*args: P.args, **kwargs: P.kwargs) -> R:
                name = title or function.__qualname__
                async with self.task(name, project=project, agent=agent, metadata=metadata):
                    return await function(*args, **kwargs)

            return run_as_task

        return decorate


class AsyncTask:
    """A running task in asyncio code; see `Task`."""

    def __init__(self, tracker: AsyncTracker, identity: TaskIdentity) -> None:
        self._tracker = tracker
        self.identity = identity
        self.ended = False

    @property
    def task_id(self) -> str:
        return self.identity.task_id

    async def progress(
        self, percent: int, message: str | None = None, usage: Usage | None = None
    ) -> Receipt:
        return await self.status("running", progress=percent, message=message, usage=usage)

    async def status(
        self,
        status: str = "running",
        progress: int | None = None,
        message: str | None = None,
        usage: Usage | None = None,
    ) -> Receipt:
        event = self.identity.status_event(status, progress, message, usage)
        return await self._tracker.send(event)

    async def finish(
        self,
        result: str | None = None,
        metadata: dict[str, Any] | None = None,
        usage: Usage | None = None,
    ) -> Receipt:
        self.ended = True
        return await self._tracker.send(self.identity.finish_event(result, metadata, usage))

    async def fail(
        self,
        error: BaseException,
        metadata: dict[str, Any] | None = None,
        usage: Usage | None = None,
    ) -> Receipt:
        self.ended = True
        return await self._tracker.send(self.identity.error_event(error, metadata, usage))


class AsyncTaskContext:
    def __init__(
        self, tracker: AsyncTracker, identity: TaskIdentity, metadata: dict[str, Any] | None
    ) -> None:
        self._task = AsyncTask(tracker, identity)
        self._tracker = tracker
        self._metadata = metadata
        self._token: Token[Any] | None = None

    async def __aenter__(self) -> AsyncTask:
        await self._tracker.send(self._task.identity.start_event(self._metadata))
        self._token = _current.set(self._task)
        return self._task

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self._token is not None:
            _current.reset(self._token)
        if event := closing_event(self._task.identity, self._task.ended, error):
            await self._tracker.send(event)

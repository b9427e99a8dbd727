"""One task's events: start on entry, finish on success, error (and re-raise) on exception."""

import functools
import time
import traceback
from collections.abc import Callable
from contextvars import ContextVar, Token
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, ParamSpec, Protocol, TypeVar

from ._events import (
    ERROR_TYPE_MAX,
    LONG_TEXT_MAX,
    MESSAGE_MAX,
    Event,
    Kind,
    Usage,
    clip_head,
    clip_tail,
    new_task_id,
)
from ._ordering import Receipt

P = ParamSpec("P")
R = TypeVar("R")


class Reporter(Protocol):
    def event(
        self,
        kind: Kind,
        *,
        task: str,
        task_id: str,
        project: str | None = None,
        agent: str | None = None,
        **fields: Any,
    ) -> Event: ...

    def send(self, event: Event) -> Receipt: ...


_current: ContextVar[Any] = ContextVar("agent_tracker_task", default=None)


def current_task() -> Any:
    """The task the calling code runs in (inside `tracker.task(...)` or `@tracker.track`):
    a `Task`, an `AsyncTask`, or None."""
    return _current.get()


@dataclass
class TaskIdentity:
    """Which task the events belong to, and when it started (for its duration)."""

    tracker: Reporter
    title: str
    task_id: str
    project: str | None
    agent: str | None
    started: float = field(default_factory=time.monotonic)

    def event(self, kind: Kind, **fields: Any) -> Event:
        return self.tracker.event(
            kind,
            task=self.title,
            task_id=self.task_id,
            project=self.project,
            agent=self.agent,
            **fields,
        )

    def status_event(
        self,
        status: str,
        progress: int | None,
        message: str | None,
        usage: Usage | None = None,
    ) -> Event:
        clipped = None if message is None else clip_head(message, MESSAGE_MAX)
        return self.event(
            "status", status=status, progress=progress, message=clipped, usage=usage or None
        )

    def finish_event(
        self, result: str | None, metadata: dict[str, Any] | None, usage: Usage | None = None
    ) -> Event:
        duration = round(time.monotonic() - self.started, 3)
        return self.event(
            "finish",
            result=result,
            duration_seconds=duration,
            metadata=metadata,
            usage=usage or None,
        )

    def error_event(
        self, error: BaseException, metadata: dict[str, Any] | None, usage: Usage | None = None
    ) -> Event:
        return self.event("error", metadata=metadata, usage=usage or None, **error_fields(error))

    def start_event(self, metadata: dict[str, Any] | None) -> Event:
        self.started = time.monotonic()
        return self.event("start", metadata=metadata)


def error_fields(error: BaseException) -> dict[str, str]:
    """error_type, error_message and stack_trace of an exception, within the tracker's limits."""
    kind = type(error)
    name = kind.__qualname__
    if kind.__module__ != "builtins":
        name = f"{kind.__module__}.{name}"
    return {
        "error_type": clip_head(name, ERROR_TYPE_MAX),
        "error_message": clip_head(str(error) or name, MESSAGE_MAX),
        "stack_trace": clip_tail("".join(traceback.format_exception(error)), LONG_TEXT_MAX),
    }


def closing_event(identity: TaskIdentity, ended: bool, error: BaseException | None) -> Event | None:
    """What a task block reports as it ends, unless the task was already ended inside it."""
    if ended:
        return None
    if error is None or (isinstance(error, SystemExit) and error.code in (None, 0)):
        return identity.finish_event(None, None)
    return identity.error_event(error, None)


class Task:
    """A running task: report progress, or end it early with `finish` or `fail`."""

    def __init__(self, identity: TaskIdentity) -> None:
        self.identity = identity
        self.ended = False

    @property
    def task_id(self) -> str:
        return self.identity.task_id

    def progress(
        self, percent: int, message: str | None = None, usage: Usage | None = None
    ) -> Receipt:
        return self.status("running", progress=percent, message=message, usage=usage)

    def status(
        self,
        status: str = "running",
        progress: int | None = None,
        message: str | None = None,
        usage: Usage | None = None,
    ) -> Receipt:
        """`usage` (see `agent_tracker.usage`) is what this step used, added to the task's."""
        event = self.identity.status_event(status, progress, message, usage)
        return self.identity.tracker.send(event)

    def finish(
        self,
        result: str | None = None,
        metadata: dict[str, Any] | None = None,
        usage: Usage | None = None,
    ) -> Receipt:
        self.ended = True
        return self.identity.tracker.send(self.identity.finish_event(result, metadata, usage))

    def fail(
        self,
        error: BaseException,
        metadata: dict[str, Any] | None = None,
        usage: Usage | None = None,
    ) -> Receipt:
        self.ended = True
        return self.identity.tracker.send(self.identity.error_event(error, metadata, usage))


class TaskContext:
    """`with tracker.task("Build feature") as task:` — see `Tracker.task`."""

    def __init__(self, identity: TaskIdentity, metadata: dict[str, Any] | None) -> None:
        self._task = Task(identity)
        self._metadata = metadata
        self._token: Token[Any] | None = None

    def __enter__(self) -> Task:
        identity = self._task.identity
        identity.tracker.send(identity.start_event(self._metadata))
        self._token = _current.set(self._task)
        return self._task

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self._token is not None:
            _current.reset(self._token)
        if event := closing_event(self._task.identity, self._task.ended, error):
            self._task.identity.tracker.send(event)


def task_context(
    tracker: Reporter,
    title: str,
    task_id: str | None,
    project: str | None,
    agent: str | None,
    metadata: dict[str, Any] | None,
) -> TaskContext:
    identity = TaskIdentity(tracker, title, task_id or new_task_id(), project, agent)
    return TaskContext(identity, metadata)


def tracked(
    tracker: Reporter,
    title: str | None,
    project: str | None,
    agent: str | None,
    metadata: dict[str, Any] | None,
) -> Callable[[Callable[P, R]], Callable[P, R]]:
    def decorate(function: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(function)
        def run_as_task(*args: P.args, **kwargs: P.kwargs) -> R:
            name = title or function.__qualname__
            with task_context(tracker, name, None, project, agent, metadata):
                return function(*args, **kwargs)

        return run_as_task

    return decorate

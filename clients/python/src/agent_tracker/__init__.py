"""Report an agent's work to Agent Task Tracker without ever losing an event or blocking.

from agent_tracker import Tracker

tracker = Tracker(project="my-app")          # the rest from AGENT_TRACKER_* variables
with tracker.task("Build feature") as task:
    task.progress(50, "halfway")
"""

from typing import TYPE_CHECKING, Any

from ._config import ConfigError, TrackerConfig
from ._events import Event, Usage, new_event, new_task_id, usage
from ._ordering import Fate, Receipt
from ._tasks import Task, current_task
from ._tracker import FlushReport, Tracker

if TYPE_CHECKING:
    from ._async import AsyncTask, AsyncTracker


def __getattr__(name: str) -> Any:
    # asyncio is imported only by code that asks for it: the CLI starts faster without it.
    if name in ("AsyncTask", "AsyncTracker"):
        from . import _async

        return getattr(_async, name)
    raise AttributeError(f"module 'agent_tracker' has no attribute {name!r}")


__all__ = [
    "AsyncTask",
    "AsyncTracker",
    "ConfigError",
    "Event",
    "Fate",
    "FlushReport",
    "Receipt",
    "Task",
    "Tracker",
    "TrackerConfig",
    "Usage",
    "current_task",
    "new_event",
    "new_task_id",
    "usage",
]

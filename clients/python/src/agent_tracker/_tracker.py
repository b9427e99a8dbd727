"""The client: every event goes out in order, or waits in the spool; none is lost or blocks."""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ParamSpec, TypeVar

from ._config import TrackerConfig
from ._events import Event, Kind, new_event
from ._ordering import Fate, Receipt, Round, deliver_in_order
from ._sending import Answer, post_with_retries
from ._spool import Spool
from ._tasks import TaskContext, task_context, tracked

P = ParamSpec("P")
R = TypeVar("R")

log = logging.getLogger("agent_tracker")

DEFAULT_ATTEMPTS = 3
# Spooled events a normal call delivers before its own; `flush` delivers all of them.
CATCH_UP_PER_CALL = 100


@dataclass(frozen=True)
class FlushReport:
    delivered: int
    refused: list[tuple[Event, Answer]]
    waiting: int
    detail: str
    """Why events are still waiting; empty when none is."""


class Tracker:
    """Reports events to the tracker.

    Settings not given come from `AGENT_TRACKER_*` variables (see `TrackerConfig`). While the
    tracker is unreachable, events are kept in a local spool and delivered, in order, by the
    next call or by `flush()`; no method raises because the tracker is away.
    """

    def __init__(
        self,
        config: TrackerConfig | None = None,
        *,
        attempts: int = DEFAULT_ATTEMPTS,
        catch_up: int = CATCH_UP_PER_CALL,
        **settings: Any,
    ) -> None:
        self.config = (config or TrackerConfig.from_env()).with_overrides(**settings)
        self._attempts = attempts
        self._catch_up = catch_up
        self._spool = Spool(self.config.spool_path)

    def event(
        self,
        kind: Kind,
        *,
        task: str,
        task_id: str,
        project: str | None = None,
        agent: str | None = None,
        **fields: Any,
    ) -> Event:
        """A new event of this tracker's project and agent unless others are given."""
        return new_event(
            kind,
            project=project or self.config.require_project(),
            task=task,
            task_id=task_id,
            agent=agent or self.config.agent,
            **fields,
        )

    def report(self, kind: Kind, *, task: str, task_id: str, **fields: Any) -> Receipt:
        """Build and send one event: `report("status", task=…, task_id=…, progress=40)`."""
        return self.send(self.event(kind, task=task, task_id=task_id, **fields))

    def send(self, event: Event) -> Receipt:
        outcome = self._deliver(event, self._catch_up)
        fate = outcome.fate_of(event)
        detail = self._explain(event, outcome)
        receipt = Receipt(event.event_id, fate, detail, len(outcome.waiting), str(self._spool.path))
        if fate is Fate.SPOOLED:
            log.warning(
                "tracker unavailable, %s event kept in %s (%d waiting; the next call or "
                "`agent-tracker flush` delivers them): %s",
                event.kind,
                receipt.spool,
                receipt.waiting,
                detail,
            )
        elif fate is Fate.REFUSED:
            log.error("the tracker refused the %s event: %s", event.kind, detail)
        return receipt

    def flush(self) -> FlushReport:
        """Deliver every spooled event, in order, until one cannot go."""
        outcome = self._deliver(None, None)
        return FlushReport(
            delivered=len(outcome.delivered),
            refused=outcome.refused,
            waiting=len(outcome.waiting),
            detail=outcome.stopped_by.detail if outcome.stopped_by and outcome.waiting else "",
        )

    def task(
        self,
        title: str,
        *,
        task_id: str | None = None,
        project: str | None = None,
        agent: str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> TaskContext:
        """`with tracker.task("Build feature") as task: task.progress(50, "halfway")`.

        Reports start on entry; finish with the duration when the block ends, or error (type,
        message, stack trace) when it raises, and the exception goes on.
        """
        return task_context(self, title, task_id, project, agent, metadata)

    def track(
        self,
        title: str | None = None,
        *,
        project: str | None = None,
        agent: str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> Callable[[Callable[P, R]], Callable[P, R]]:
        """Decorator: every call of the function is a task of its own (titled after the
        function unless given); `current_task()` reaches it from inside."""
        return tracked(self, title, project, agent, metadata)

    def waiting(self) -> int:
        return self._spool.count()

    def _deliver(self, event: Event | None, catch_up: int | None) -> Round:
        with self._spool.locked() as spool:
            spooled = spool.read()
            outcome = deliver_in_order(spooled, event, self._post, catch_up)
            spool.save(spooled, outcome.waiting)
        for refused, answer in outcome.refused:
            if refused is not event:
                log.error(
                    "the tracker refused spooled %s event %s, dropped: %s",
                    refused.kind,
                    refused.event_id,
                    answer.detail,
                )
        return outcome

    def _post(self, event: Event, retry: bool) -> Answer:
        config = self.config
        attempts = self._attempts if retry else 1
        return post_with_retries(config.url, config.api_key, event, config.timeout, attempts)

    @staticmethod
    def _explain(event: Event, outcome: Round) -> str:
        for refused, answer in outcome.refused:
            if refused is event:
                return answer.detail
        if outcome.stopped_by is not None and event in outcome.waiting:
            return outcome.stopped_by.detail
        if event in outcome.waiting:
            return "older events are still waiting to be delivered"
        return ""

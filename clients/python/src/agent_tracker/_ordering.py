"""In which order events go out: spooled ones first, oldest first, then the new one."""

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum

from ._events import Event
from ._sending import Answer, Verdict

# send(event, retry): `retry` is False for spooled events, so that a tracker that is still
# away costs one quick attempt per call, not a whole backoff.
Send = Callable[[Event, bool], Answer]


class Fate(Enum):
    DELIVERED = "delivered"
    SPOOLED = "spooled"
    REFUSED = "refused"


@dataclass(frozen=True)
class Receipt:
    """What became of one event."""

    event_id: str
    fate: Fate
    detail: str
    """Why it was spooled or refused; empty when delivered."""
    waiting: int
    """Events in the spool after this call."""
    spool: str


@dataclass
class Round:
    """What one pass over the spool (and the new event, if any) achieved."""

    delivered: list[Event] = field(default_factory=list)
    refused: list[tuple[Event, Answer]] = field(default_factory=list)
    waiting: list[Event] = field(default_factory=list)
    stopped_by: Answer | None = None
    """Why events are still waiting: the last answer that was not an acceptance."""

    def fate_of(self, event: Event) -> Fate:
        if event in self.waiting:
            return Fate.SPOOLED
        if any(refused is event for refused, _ in self.refused):
            return Fate.REFUSED
        return Fate.DELIVERED


def deliver_in_order(
    spooled: list[Event], new: Event | None, send: Send, catch_up: int | None
) -> Round:
    """Deliver spooled events in order until one cannot go, then the new one.

    At most `catch_up` spooled events are tried (None: all), so a call that finds a long
    spool does not hold its agent up; the new event then waits behind the rest.
    """
    result = Round()
    queue = deque(spooled)
    tried = 0
    while queue and (catch_up is None or tried < catch_up):
        tried += 1
        answer = send(queue[0], False)
        if answer.verdict is Verdict.ACCEPTED:
            result.delivered.append(queue.popleft())
        elif answer.blocks_the_queue:
            result.stopped_by = answer
            break
        else:  # this event itself is malformed; it can never be delivered
            result.refused.append((queue.popleft(), answer))
    if new is not None:
        if queue:
            queue.append(new)
        else:
            answer = send(new, True)
            if answer.verdict is Verdict.ACCEPTED:
                result.delivered.append(new)
            elif answer.verdict is Verdict.REFUSED:
                result.refused.append((new, answer))
            else:
                result.stopped_by = answer
                queue.append(new)
    result.waiting = list(queue)
    return result

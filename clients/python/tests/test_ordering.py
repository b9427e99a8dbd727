"""The delivery order, with the tracker's answers scripted per event."""

from agent_tracker import Event, Fate, new_event
from agent_tracker._ordering import deliver_in_order
from agent_tracker._sending import Answer, Verdict

ACCEPTED = Answer(Verdict.ACCEPTED, 202, "")
DOWN = Answer(Verdict.UNAVAILABLE, None, "no answer")
INVALID = Answer(Verdict.REFUSED, 422, "HTTP 422: progress: too big")
BAD_KEY = Answer(Verdict.REFUSED, 401, "HTTP 401: invalid API key")


def events(count: int) -> list[Event]:
    return [
        new_event("status", project="p", task="t", task_id="t1", agent="a", progress=n)
        for n in range(count)
    ]


class ScriptedTracker:
    def __init__(self, answers: dict[int, Answer] | None = None, default: Answer = ACCEPTED):
        self.answers, self.default = answers or {}, default
        self.sent: list[tuple[int, bool]] = []

    def __call__(self, event: Event, retry: bool) -> Answer:
        self.sent.append((event.body["progress"], retry))
        return self.answers.get(event.body["progress"], self.default)


def test_spooled_events_go_first_in_order_then_the_new_one() -> None:
    spooled, new = events(4)[:3], events(4)[3]
    tracker = ScriptedTracker()
    result = deliver_in_order(spooled, new, tracker, catch_up=None)
    assert tracker.sent == [(0, False), (1, False), (2, False), (3, True)]
    assert result.delivered == [*spooled, new]
    assert result.waiting == []
    assert result.fate_of(new) is Fate.DELIVERED


def test_the_first_failure_stops_the_round_and_the_new_event_queues_behind() -> None:
    spooled, new = events(4)[:3], events(4)[3]
    tracker = ScriptedTracker({1: DOWN})
    result = deliver_in_order(spooled, new, tracker, catch_up=None)
    assert tracker.sent == [(0, False), (1, False)]
    assert result.waiting == [spooled[1], spooled[2], new]
    assert result.fate_of(new) is Fate.SPOOLED
    assert result.stopped_by == DOWN


def test_a_new_event_is_spooled_when_the_tracker_is_down() -> None:
    new = events(1)[0]
    result = deliver_in_order([], new, ScriptedTracker(default=DOWN), catch_up=None)
    assert result.waiting == [new]
    assert result.fate_of(new) is Fate.SPOOLED


def test_a_malformed_event_is_dropped_and_the_others_still_go() -> None:
    spooled, new = events(3)[:2], events(3)[2]
    result = deliver_in_order(spooled, new, ScriptedTracker({0: INVALID}), catch_up=None)
    assert result.refused == [(spooled[0], INVALID)]
    assert result.delivered == [spooled[1], new]
    assert result.waiting == []


def test_a_malformed_new_event_is_refused_not_spooled() -> None:
    new = events(1)[0]
    result = deliver_in_order([], new, ScriptedTracker(default=INVALID), catch_up=None)
    assert result.fate_of(new) is Fate.REFUSED
    assert result.waiting == []


def test_a_refused_key_keeps_every_spooled_event() -> None:
    spooled, new = events(3)[:2], events(3)[2]
    result = deliver_in_order(spooled, new, ScriptedTracker(default=BAD_KEY), catch_up=None)
    assert result.waiting == [*spooled, new]
    assert result.refused == []


def test_a_call_catches_up_a_bounded_number_of_spooled_events() -> None:
    spooled, new = events(6)[:5], events(6)[5]
    tracker = ScriptedTracker()
    result = deliver_in_order(spooled, new, tracker, catch_up=2)
    assert [progress for progress, _ in tracker.sent] == [0, 1]
    assert result.waiting == [*spooled[2:], new]

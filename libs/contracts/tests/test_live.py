"""The live message of an event carries what its step used, and nothing new when it used none."""

import pytest

from tests.factories import event
from tracker_contracts import EventKind, live_message

USAGE = {"model": "m", "input_tokens": 12, "cost": 0.5, "currency": "USD"}


@pytest.mark.parametrize("kind", [EventKind.STATUS, EventKind.FINISH, EventKind.ERROR])
def test_the_message_of_an_event_with_usage_carries_it(kind: EventKind) -> None:
    message = live_message(event(kind, usage=USAGE), "1-0").model_dump(mode="json")
    assert message["data"]["usage"] == {
        **USAGE,
        "output_tokens": None,
        "cache_read_tokens": None,
        "cache_write_tokens": None,
    }


@pytest.mark.parametrize("kind", list(EventKind))
def test_the_message_of_an_event_without_usage_is_as_before(kind: EventKind) -> None:
    message = live_message(event(kind), "1-0").model_dump(mode="json")
    assert "usage" not in message["data"]

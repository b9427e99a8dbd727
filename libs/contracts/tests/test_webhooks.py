import json
from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import BaseModel, TypeAdapter, ValidationError

from tests.factories import SEED_BODIES, body
from tracker_contracts import (
    ACTIVE_STATUSES,
    METADATA_MAX_BYTES,
    ErrorWebhook,
    EventKind,
    FinishEvent,
    FinishWebhook,
    StartWebhook,
    StatusWebhook,
    TaskEvent,
    TaskStatus,
    envelop,
)

MODELS: dict[EventKind, type[BaseModel]] = {
    EventKind.START: StartWebhook,
    EventKind.STATUS: StatusWebhook,
    EventKind.FINISH: FinishWebhook,
    EventKind.ERROR: ErrorWebhook,
}


def error_locations(model: type[BaseModel], data: dict[str, Any]) -> list[tuple[Any, ...]]:
    with pytest.raises(ValidationError) as caught:
        model.model_validate(data)
    return [error["loc"] for error in caught.value.errors()]


@pytest.mark.parametrize("kind", list(EventKind))
def test_seed_examples_are_valid(kind: EventKind) -> None:
    webhook = MODELS[kind].model_validate(SEED_BODIES[kind])
    assert webhook.model_dump(exclude_none=True) == SEED_BODIES[kind]


@pytest.mark.parametrize("kind", list(EventKind))
@pytest.mark.parametrize("field", ["project", "task", "task_id", "agent"])
def test_identifying_fields_are_required(kind: EventKind, field: str) -> None:
    data = dict(SEED_BODIES[kind])
    del data[field]
    assert error_locations(MODELS[kind], data) == [(field,)]


@pytest.mark.parametrize("progress", [-1, 101, 50.5, 50.0, "50", True, "half"])
def test_progress_must_be_a_whole_percent(progress: object) -> None:
    assert error_locations(StatusWebhook, body(EventKind.STATUS, progress=progress)) == [
        ("progress",)
    ]


def test_status_webhook_cannot_end_a_task() -> None:
    assert error_locations(StatusWebhook, body(EventKind.STATUS, status="completed")) == [
        ("status",)
    ]


def test_a_task_may_wait_on_a_person_and_stays_active() -> None:
    webhook = StatusWebhook.model_validate(
        body(EventKind.STATUS, status="needs_input", message="Allow Bash: make deploy?")
    )
    assert webhook.status is TaskStatus.NEEDS_INPUT
    assert TaskStatus.NEEDS_INPUT in ACTIVE_STATUSES
    assert not TaskStatus.NEEDS_INPUT.is_terminal


def test_status_defaults_to_running_without_progress() -> None:
    data = body(EventKind.STATUS)
    del data["status"], data["progress"]
    webhook = StatusWebhook.model_validate(data)
    assert (webhook.status, webhook.progress) == ("running", None)


def test_unknown_fields_are_rejected_by_name() -> None:
    assert error_locations(StartWebhook, body(EventKind.START, progres=5)) == [("progres",)]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("project", ""),
        ("project", "   "),
        ("project", "a/b"),
        ("project", "x" * 129),
        ("task_id", "line\nbreak"),
        ("agent", "x" * 129),
        ("task", "x" * 513),
    ],
)
def test_names_are_bounded_and_safe_in_urls(field: str, value: str) -> None:
    assert error_locations(StartWebhook, body(EventKind.START, **{field: value})) == [(field,)]


def test_names_are_trimmed() -> None:
    webhook = StartWebhook.model_validate(body(EventKind.START, project="  my-project "))
    assert webhook.project == "my-project"


def test_long_texts_are_bounded() -> None:
    assert error_locations(
        ErrorWebhook, body(EventKind.ERROR, stack_trace="x" * (64 * 1024 + 1))
    ) == [("stack_trace",)]
    assert error_locations(ErrorWebhook, body(EventKind.ERROR, error_message="")) == [
        ("error_message",)
    ]


def test_metadata_has_a_size_limit() -> None:
    too_big = {"blob": "x" * METADATA_MAX_BYTES}
    assert error_locations(StartWebhook, body(EventKind.START, metadata=too_big)) == [("metadata",)]


def test_duration_cannot_be_negative() -> None:
    assert error_locations(FinishWebhook, body(EventKind.FINISH, duration_seconds=-1)) == [
        ("duration_seconds",)
    ]


def test_timestamp_needs_a_time_zone() -> None:
    assert error_locations(
        StartWebhook, body(EventKind.START, timestamp="2026-01-01T10:00:00")
    ) == [("timestamp",)]


def test_event_id_must_be_a_uuid() -> None:
    assert error_locations(StartWebhook, body(EventKind.START, event_id="abc")) == [("event_id",)]


def test_envelope_keeps_the_client_event_id_and_round_trips() -> None:
    event_id = "7d1e8a52-3c3f-4d0e-9a55-5c0e7b9f3a10"
    webhook = FinishWebhook.model_validate(body(EventKind.FINISH, event_id=event_id))
    event = envelop(webhook)
    assert str(event.event_id) == event_id
    decoded = TypeAdapter(TaskEvent).validate_json(event.model_dump_json())
    assert isinstance(decoded, FinishEvent)
    assert decoded == event


def test_envelope_gives_each_event_a_fresh_id_when_the_client_sends_none() -> None:
    webhook = StartWebhook.model_validate(SEED_BODIES[EventKind.START])
    assert envelop(webhook).event_id != envelop(webhook).event_id


def test_event_time_prefers_the_agent_timestamp() -> None:
    sent = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)
    received = datetime(2026, 1, 1, 9, 5, tzinfo=UTC)
    with_timestamp = envelop(
        StartWebhook.model_validate(body(EventKind.START, timestamp=sent.isoformat())), received
    )
    without = envelop(StartWebhook.model_validate(SEED_BODIES[EventKind.START]), received)
    assert (with_timestamp.occurred_at, without.occurred_at) == (sent, received)


@pytest.mark.parametrize("timestamp", [0, 1700000000.5, "1700000000", "yesterday", True])
def test_timestamps_are_iso_8601_text_only(timestamp: object) -> None:
    assert error_locations(StartWebhook, body(EventKind.START, timestamp=timestamp)) == [
        ("timestamp",)
    ]


@pytest.mark.parametrize("duration", [True, "1.5", -0.1])
def test_durations_are_plain_numbers(duration: object) -> None:
    assert error_locations(FinishWebhook, body(EventKind.FINISH, duration_seconds=duration)) == [
        ("duration_seconds",)
    ]


@pytest.mark.parametrize(
    "event_id",
    ["7d1e8a523c3f4d0e9a555c0e7b9f3a10", "urn:uuid:7d1e8a52-3c3f-4d0e-9a55-5c0e7b9f3a10", 12],
)
def test_event_ids_are_canonical_uuids(event_id: object) -> None:
    assert error_locations(StartWebhook, body(EventKind.START, event_id=event_id)) == [
        ("event_id",)
    ]


def test_an_envelope_decoded_from_json_still_validates() -> None:
    event = envelop(
        FinishWebhook.model_validate(
            body(EventKind.FINISH, timestamp="2026-01-01T10:00:00+02:00", duration_seconds=3)
        )
    )
    assert TypeAdapter(TaskEvent).validate_python(json.loads(event.model_dump_json())) == event


@pytest.mark.parametrize(
    "timestamp",
    [
        "9999-12-31T23:00:00-05:00",
        "0001-01-01T00:30:00+01:00",
        "1969-12-31T23:59:59Z",
        "3000-01-01T00:00:00Z",
    ],
)
def test_timestamps_outside_the_stored_range_are_refused(timestamp: str) -> None:
    assert error_locations(StartWebhook, body(EventKind.START, timestamp=timestamp)) == [
        ("timestamp",)
    ]


@pytest.mark.parametrize("timestamp", ["1970-01-01T00:00:00Z", "2999-12-31T23:59:59.999999Z"])
def test_timestamps_at_the_bounds_are_accepted(timestamp: str) -> None:
    assert StartWebhook.model_validate(body(EventKind.START, timestamp=timestamp)).timestamp


@pytest.mark.parametrize(
    ("kind", "field"),
    [
        (EventKind.STATUS, "message"),
        (EventKind.FINISH, "result"),
        (EventKind.ERROR, "error_type"),
        (EventKind.ERROR, "error_message"),
        (EventKind.ERROR, "stack_trace"),
    ],
)
@pytest.mark.parametrize("text", ["\ud800", "a\udfffb", "\x00"])
def test_free_text_holds_no_lone_surrogate_or_nul(kind: EventKind, field: str, text: str) -> None:
    assert error_locations(MODELS[kind], body(kind, **{field: text})) == [(field,)]


def nested(levels: int) -> list[Any]:
    """`levels` lists, each holding the next, the innermost holding 1."""
    value: list[Any] = [1]
    for _ in range(levels - 1):
        value = [value]
    return value


@pytest.mark.parametrize(
    ("metadata", "where"),
    [
        ({"\ud800": 1}, "metadata (a key)"),
        ({"k\x00": 1}, "metadata (a key)"),
        ({"k": ["ok", "\udc00"]}, "metadata.k[1]"),
        ({"k": {"n": "\x00"}}, "metadata.k.n"),
        ({"k": float("nan")}, "metadata.k"),
        ({"k": float("-inf")}, "metadata.k"),
        ({"k": 2**63}, "metadata.k"),
        ({"k": -(2**63) - 1}, "metadata.k"),
        (
            {"k": {"l": nested(31)}},
            "metadata.k.l" + "[0]" * 30 + ": at most 32 levels",
        ),
    ],
)
def test_metadata_holds_only_what_jsonb_stores(metadata: dict[str, Any], where: str) -> None:
    with pytest.raises(ValidationError) as caught:
        StartWebhook.model_validate(body(EventKind.START, metadata=metadata))
    [error] = caught.value.errors()
    assert error["loc"] == ("metadata",)
    assert error["msg"].removeprefix("Value error, ").startswith(where)


def test_metadata_text_that_only_looks_like_an_escape_is_kept() -> None:
    metadata = {"pattern": "\\u0000", "deep": [[[[1]]]], "big": 2**63 - 1}
    webhook = StartWebhook.model_validate(body(EventKind.START, metadata=metadata))
    assert webhook.metadata == metadata


USAGE = {
    "model": "gpt-5",
    "input_tokens": 1,
    "output_tokens": 2,
    "cache_read_tokens": 3,
    "cache_write_tokens": 4,
    "cost": 5.5,
    "currency": "EUR",
}
REPORTS_USAGE = [EventKind.STATUS, EventKind.FINISH, EventKind.ERROR]


@pytest.mark.parametrize("kind", REPORTS_USAGE)
def test_status_finish_and_error_carry_usage(kind: EventKind) -> None:
    webhook = MODELS[kind].model_validate(body(kind, usage=USAGE))
    assert webhook.model_dump(mode="json", exclude_none=True)["usage"] == USAGE


def test_a_start_carries_no_usage() -> None:
    assert error_locations(StartWebhook, body(EventKind.START, usage=USAGE)) == [("usage",)]


def test_a_status_carries_metadata_as_the_others_do() -> None:
    webhook = StatusWebhook.model_validate(body(EventKind.STATUS, metadata={"step": 1}))
    assert webhook.metadata == {"step": 1}
    too_big = {"x": "y" * METADATA_MAX_BYTES}
    assert error_locations(StatusWebhook, body(EventKind.STATUS, metadata=too_big)) == [
        ("metadata",)
    ]


def test_a_cost_without_currency_is_in_us_dollars() -> None:
    webhook = FinishWebhook.model_validate(body(EventKind.FINISH, usage={"cost": 2}))
    assert webhook.usage is not None
    assert (webhook.usage.cost, webhook.usage.currency) == (2, "USD")
    tokens_only = FinishWebhook.model_validate(body(EventKind.FINISH, usage={"input_tokens": 1}))
    assert tokens_only.usage is not None
    assert tokens_only.usage.currency is None


@pytest.mark.parametrize(
    ("usage", "field"),
    [
        ({}, None),
        ({"input_tokens": -1}, "input_tokens"),
        ({"output_tokens": 1.5}, "output_tokens"),
        ({"cache_read_tokens": "5"}, "cache_read_tokens"),
        ({"cache_write_tokens": True}, "cache_write_tokens"),
        ({"input_tokens": 10**12 + 1}, "input_tokens"),
        ({"cost": -0.01}, "cost"),
        ({"cost": 100_000.01}, "cost"),
        ({"cost": True}, "cost"),
        ({"cost": "NaN"}, "cost"),
        ({"cost": 1, "currency": "usd"}, "currency"),
        ({"cost": 1, "currency": "US"}, "currency"),
        ({"model": "m" * 129}, "model"),
        ({"model": "a\nb"}, "model"),
        ({"tokens": 5}, "tokens"),
    ],
)
def test_bad_usage_is_refused_naming_the_field(usage: dict[str, Any], field: str | None) -> None:
    where = ("usage",) if field is None else ("usage", field)
    for kind in REPORTS_USAGE:
        assert error_locations(MODELS[kind], body(kind, usage=usage)) == [where]


def test_a_cost_is_exact_to_ten_places_and_reads_back_as_written() -> None:
    sent = body(EventKind.STATUS, usage={"cost": 0.1 + 0.2})  # 0.30000000000000004
    webhook = StatusWebhook.model_validate_json(json.dumps(sent))
    assert webhook.usage is not None
    assert str(webhook.usage.cost) == "0.3000000000"
    written = json.loads(webhook.model_dump_json())["usage"]["cost"]
    assert written == 0.3
    largest = StatusWebhook.model_validate(
        body(EventKind.STATUS, usage={"cost": "99999.1234567891"})
    )
    assert json.loads(largest.model_dump_json())["usage"]["cost"] == 99999.1234567891


@pytest.mark.parametrize("kind", list(EventKind))
def test_an_event_without_usage_is_written_as_before(kind: EventKind) -> None:
    written = json.loads(envelop(MODELS[kind].model_validate(SEED_BODIES[kind])).model_dump_json())
    assert "usage" not in written["payload"]
    assert ("metadata" in written["payload"]) == (kind != EventKind.STATUS)

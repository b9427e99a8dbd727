import pytest

from agent_tracker._sending import Verdict, classify


@pytest.mark.parametrize("status", [200, 202])
def test_success_is_accepted(status: int) -> None:
    assert classify(status, "").verdict is Verdict.ACCEPTED


@pytest.mark.parametrize("status", [408, 409, 429, 500, 502, 503, 504])
def test_timeouts_overload_and_server_errors_mean_later(status: int) -> None:
    answer = classify(status, '{"detail": "busy"}', "2")
    assert answer.verdict is Verdict.UNAVAILABLE
    assert answer.retry_after == 2.0
    assert answer.blocks_the_queue


@pytest.mark.parametrize("status", [400, 404, 413, 422])
def test_a_malformed_event_is_refused_and_does_not_block_the_others(status: int) -> None:
    answer = classify(status, "{}")
    assert answer.verdict is Verdict.REFUSED
    assert not answer.blocks_the_queue


@pytest.mark.parametrize("status", [401, 403])
def test_a_refused_key_is_refused_and_blocks_the_queue(status: int) -> None:
    answer = classify(status, '{"detail": "invalid API key"}')
    assert answer.verdict is Verdict.REFUSED
    assert answer.blocks_the_queue
    assert "invalid API key" in answer.detail


def test_validation_errors_name_the_field() -> None:
    body = '{"detail": [{"loc": ["body", "progress"], "msg": "Input should be less than 100"}]}'
    assert classify(422, body).detail == "HTTP 422: progress: Input should be less than 100"

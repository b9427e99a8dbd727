import logging

import pytest

from tracker_realtime.redaction import RedactApiKey


@pytest.mark.parametrize(
    "path",
    ["/webhook/ws?api_key=s3cret&project=a", "/webhook/ws?project=a&api_key=s3cret"],
)
def test_the_key_is_redacted_from_handshake_lines(path: str) -> None:
    record = logging.LogRecord(
        "uvicorn.error",
        logging.INFO,
        __file__,
        1,
        '%s - "WebSocket %s" [accepted]',
        ("1.2.3.4", path),
        None,
    )
    assert RedactApiKey().filter(record)
    message = record.getMessage()
    assert "s3cret" not in message
    assert "api_key=[redacted]" in message
    assert "project=a" in message


def test_other_lines_are_left_alone() -> None:
    record = logging.LogRecord("uvicorn.error", logging.INFO, __file__, 1, "%s ok", ("x",), None)
    RedactApiKey().filter(record)
    assert record.getMessage() == "x ok"

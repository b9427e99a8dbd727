"""Keeps the WebSocket's `api_key` query parameter out of every log line.

uvicorn logs each WebSocket handshake with its full path and query string, outside the
access log, so `--no-access-log` alone does not hide the key.
"""

import logging
import re

_API_KEY = re.compile(r"(api_key=)[^&\s\"']+")


class RedactApiKey(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "api_key=" in message:
            record.msg, record.args = _API_KEY.sub(r"\1[redacted]", message), None
        return True


def redact_api_keys_in_server_logs() -> None:
    for name in ("uvicorn.error", "uvicorn.access", "uvicorn"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactApiKey) for f in logger.filters):
            logger.addFilter(RedactApiKey())

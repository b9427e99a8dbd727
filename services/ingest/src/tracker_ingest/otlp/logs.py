"""OTLP log records → status events: Claude Code's events, each on its session's task.

| event                      | status event                                                |
|----------------------------|-------------------------------------------------------------|
| `claude_code.api_request`  | usage (model, tokens, `cost_usd` in USD) and a message      |
| `claude_code.tool_result`  | a timeline message: the tool, its outcome and duration      |
| `claude_code.api_error`    | a timeline message (the task keeps running: Claude retries) |
| `claude_code.user_prompt`  | running, with a message (never the prompt's text)           |

The event's name is the record's `event_name`, else its `event.name` attribute (Claude Code
sends `api_request` there, `claude_code.api_request` as the body), else its body. Any other
record is dropped and counted.
"""

from collections.abc import Callable
from typing import Any

from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
from opentelemetry.proto.logs.v1.logs_pb2 import LogRecord

from .records import (
    Attributes,
    Candidate,
    Origin,
    Tally,
    UsageSource,
    candidate,
    count,
    map_records,
    number,
    timestamp,
)

_PREFIX = "claude_code."


def map_logs(request: ExportLogsServiceRequest) -> Tally:
    return map_records(request.resource_logs, "scope_logs", "log_records", _mapped)


def _mapped(where: Origin, record: LogRecord) -> Candidate | str:
    values = Attributes(record.attributes)
    describe = _EVENTS.get(_event_name(record, values))
    if describe is None:
        return "log records that are not Claude Code events"
    message, usage = describe(values)
    return candidate(
        where,
        where.event_id(record),
        UsageSource.LOGS,
        records="log records",
        task_id=where.task_of(values),
        message=message,
        usage=usage,
        at=timestamp(record.time_unix_nano, record.observed_time_unix_nano),
    )


def _event_name(record: LogRecord, values: Attributes) -> str:
    body = record.body.string_value if record.body.HasField("string_value") else ""
    for name in (record.event_name, values.get("event.name"), body):
        if isinstance(name, str) and name:
            return name if name.startswith(_PREFIX) else _PREFIX + name
    return ""


Described = tuple[str | None, dict[str, Any] | None]


def _api_request(values: Attributes) -> Described:
    model = values.get("model")
    usage = {
        "model": model if isinstance(model, str) and model else None,
        "input_tokens": count(values, "input_tokens"),
        "output_tokens": count(values, "output_tokens"),
        "cache_read_tokens": count(values, "cache_read_tokens"),
        "cache_write_tokens": count(values, "cache_creation_tokens"),
        "cost": number(values, "cost_usd"),
        "currency": "USD",
    }
    if usage["cost"] is None:
        usage["currency"] = None
    return f"API request to {model or 'a model'}{_took(values)}", usage


def _tool_result(values: Attributes) -> Described:
    tool = values.get("tool_name") or "a tool"
    succeeded = str(values.get("success", "")).lower() == "true"
    if succeeded:
        return f"Tool {tool} succeeded{_took(values)}", None
    error = values.get("error")
    return f"Tool {tool} failed{_took(values)}" + (f": {error}" if error else ""), None


def _api_error(values: Attributes) -> Described:
    model = values.get("model") or "a model"
    code = values.get("status_code")
    error = values.get("error") or "unknown error"
    return f"API error from {model}" + (f" ({code})" if code else "") + f": {error}", None


def _user_prompt(values: Attributes) -> Described:
    length = count(values, "prompt_length")
    return "User prompt" + (f" ({length} characters)" if length is not None else ""), None


def _took(values: Attributes) -> str:
    duration = number(values, "duration_ms")
    return f" in {duration:.0f} ms" if duration is not None else ""


_EVENTS: dict[str, Callable[[Attributes], Described]] = {
    "claude_code.api_request": _api_request,
    "claude_code.tool_result": _tool_result,
    "claude_code.api_error": _api_error,
    "claude_code.user_prompt": _user_prompt,
}

"""OTLP exports shaped as Claude Code sends them, and the ways exporters encode them.

Claude Code's records as its documentation describes them (and as its exporter sends them):
log records named by `event.name` (`api_request`, ...) with the body `claude_code.<name>`,
counts and costs as strings, `session.id` on each record; metrics as delta sums with
`session.id`, `model` and, for tokens, `type` on each data point.
"""

import base64
import gzip
import json
import time
from typing import Any

from google.protobuf import json_format
from google.protobuf.message import Message
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
    ExportMetricsServiceRequest,
)
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, InstrumentationScope, KeyValue
from opentelemetry.proto.logs.v1.logs_pb2 import LogRecord, ResourceLogs, ScopeLogs
from opentelemetry.proto.metrics.v1.metrics_pb2 import (
    AggregationTemporality,
    Metric,
    NumberDataPoint,
    ResourceMetrics,
    ScopeMetrics,
    Sum,
)
from opentelemetry.proto.resource.v1.resource_pb2 import Resource

PROTOBUF = {"Content-Type": "application/x-protobuf"}
JSON = {"Content-Type": "application/json"}


def key_values(values: dict[str, Any]) -> list[KeyValue]:
    pairs = []
    for key, value in values.items():
        match value:
            case bool():
                any_value = AnyValue(bool_value=value)
            case int():
                any_value = AnyValue(int_value=value)
            case float():
                any_value = AnyValue(double_value=value)
            case _:
                any_value = AnyValue(string_value=str(value))
        pairs.append(KeyValue(key=key, value=any_value))
    return pairs


def claude_code_resource(project: str | None, **extra: str) -> Resource:
    values = {"service.name": "claude-code", "service.version": "2.1.0", **extra}
    if project is not None:
        values["agent_tracker.project"] = project
    return Resource(attributes=key_values(values))


def api_request(session: str, **overrides: Any) -> tuple[str, dict[str, Any]]:
    return "api_request", {
        "session.id": session,
        "model": "claude-sonnet-4-5",
        "input_tokens": "1200",
        "output_tokens": "340",
        "cache_read_tokens": "5000",
        "cache_creation_tokens": "100",
        "cost_usd": "0.0123",
        "duration_ms": "2150",
        **overrides,
    }


def tool_result(session: str, success: bool = True, **overrides: Any) -> tuple[str, dict]:
    values = {"session.id": session, "tool_name": "Bash", "success": str(success).lower()}
    values |= {"duration_ms": "87", **({} if success else {"error": "exit code 1"}), **overrides}
    return "tool_result", values


def api_error(session: str) -> tuple[str, dict[str, Any]]:
    return "api_error", {
        "session.id": session,
        "model": "claude-sonnet-4-5",
        "error": "Overloaded",
        "status_code": "529",
        "attempt": "1",
    }


def user_prompt(session: str) -> tuple[str, dict[str, Any]]:
    return "user_prompt", {"session.id": session, "prompt_length": "42", "prompt": "<REDACTED>"}


def claude_code_logs(
    project: str | None, events: list[tuple[str, dict[str, Any]]], *, at_ns: int | None = None
) -> ExportLogsServiceRequest:
    start = at_ns or time.time_ns()
    records = [
        LogRecord(
            time_unix_nano=start + index * 1_000_000,
            observed_time_unix_nano=start + index * 1_000_000,
            body=AnyValue(string_value=f"claude_code.{name}"),
            attributes=key_values({"event.name": name, **values}),
        )
        for index, (name, values) in enumerate(events)
    ]
    scope = InstrumentationScope(name="com.anthropic.claude_code.events", version="2.1.0")
    return ExportLogsServiceRequest(
        resource_logs=[
            ResourceLogs(
                resource=claude_code_resource(project),
                scope_logs=[ScopeLogs(scope=scope, log_records=records)],
            )
        ]
    )


def token_point(session: str, kind: str, amount: int, model: str = "claude-sonnet-4-5") -> Any:
    return "claude_code.token.usage", amount, {"session.id": session, "type": kind, "model": model}


def cost_point(session: str, amount: float, model: str = "claude-sonnet-4-5") -> Any:
    return "claude_code.cost.usage", amount, {"session.id": session, "model": model}


def claude_code_metrics(
    project: str | None,
    points: list[tuple[str, float, dict[str, Any]]],
    *,
    temporality: int = AggregationTemporality.AGGREGATION_TEMPORALITY_DELTA,
) -> ExportMetricsServiceRequest:
    now = time.time_ns()
    metrics: dict[str, Metric] = {}
    for name, amount, values in points:
        metric = metrics.setdefault(
            name,
            Metric(
                name=name,
                unit="USD" if name.endswith("cost.usage") else "tokens",
                sum=Sum(aggregation_temporality=temporality, is_monotonic=True),
            ),
        )
        point = NumberDataPoint(
            start_time_unix_nano=now - 60_000_000_000,
            time_unix_nano=now,
            attributes=key_values(values),
        )
        if isinstance(amount, float):
            point.as_double = amount
        else:
            point.as_int = amount
        metric.sum.data_points.append(point)
    scope = InstrumentationScope(name="com.anthropic.claude_code", version="2.1.0")
    return ExportMetricsServiceRequest(
        resource_metrics=[
            ResourceMetrics(
                resource=claude_code_resource(project),
                scope_metrics=[ScopeMetrics(scope=scope, metrics=list(metrics.values()))],
            )
        ]
    )


def as_json(message: Message) -> bytes:
    """The OTLP JSON of `message` (trace and span ids in hex, as OTLP JSON writes them)."""
    document = json_format.MessageToDict(message)
    for resource_spans in document.get("resourceSpans", []):
        for scope_spans in resource_spans.get("scopeSpans", []):
            for span in scope_spans.get("spans", []):
                for item in (span, *span.get("links", [])):
                    for field in ("traceId", "spanId", "parentSpanId"):
                        if field in item:
                            item[field] = _b64_to_hex(item[field])
    return json.dumps(document).encode()


def _b64_to_hex(text: str) -> str:
    return base64.b64decode(text).hex()


def gzipped(body: bytes) -> bytes:
    return gzip.compress(body)

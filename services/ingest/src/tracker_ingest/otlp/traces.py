"""OTLP spans → status events, after the GenAI semantic conventions.

A span with `gen_ai.usage.input_tokens` or `gen_ai.usage.output_tokens` (and the cache counts
`gen_ai.usage.cache_read.input_tokens`, `gen_ai.usage.cache_creation.input_tokens`) adds that
usage, for `gen_ai.response.model` else `gen_ai.request.model`; a span whose status is an error
adds a timeline message with the span's name and status message. The task is `session.id` or
`gen_ai.conversation.id` when the span or resource has one, else the trace id. Any other span
is dropped and counted.
"""

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.trace.v1.trace_pb2 import Span, Status

from .records import (
    Attributes,
    Candidate,
    Origin,
    Tally,
    UsageSource,
    candidate,
    count,
    map_records,
    timestamp,
)


def map_traces(request: ExportTraceServiceRequest) -> Tally:
    return map_records(request.resource_spans, "scope_spans", "spans", _mapped)


def _mapped(where: Origin, span: Span) -> Candidate | str:
    values = Attributes(span.attributes)
    model = values.get("gen_ai.response.model") or values.get("gen_ai.request.model")
    tokens = {
        "input_tokens": count(values, "gen_ai.usage.input_tokens"),
        "output_tokens": count(values, "gen_ai.usage.output_tokens"),
        "cache_read_tokens": count(values, "gen_ai.usage.cache_read.input_tokens"),
        "cache_write_tokens": count(values, "gen_ai.usage.cache_creation.input_tokens"),
    }
    has_usage = tokens["input_tokens"] is not None or tokens["output_tokens"] is not None
    failed = span.status.code == Status.STATUS_CODE_ERROR
    if not has_usage and not failed:
        return "spans with neither GenAI usage nor an error"
    message = None
    if failed:
        message = f"Span {span.name} failed" + (
            f": {span.status.message}" if span.status.message else ""
        )
    return candidate(
        where,
        where.event_id(span),
        UsageSource.TRACES,
        records="spans",
        task_id=where.task_of(values) or (span.trace_id.hex() or None),
        message=message,
        usage={"model": model if isinstance(model, str) else None, **tokens} if has_usage else None,
        at=timestamp(span.end_time_unix_nano, span.start_time_unix_nano),
        usage_only=not failed,
    )

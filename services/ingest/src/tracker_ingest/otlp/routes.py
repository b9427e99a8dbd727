"""`POST /v1/logs`, `/v1/metrics`, `/v1/traces`: OTLP/HTTP exports, mapped to task events.

Each export is read (`body`), mapped record by record (`logs`, `metrics`, `traces`), its usage
kept to each task's one source (`usage_source`), and the events published as a batch webhook's
are (`publisher`), each with the event id its record's content names: a retried export is
stored once. Answers follow the OTLP specification: 200 with the signal's Export*ServiceResponse
only once the stream has every event — its `partial_success` counting the records dropped
(unmapped, invalid, or for a project the key may not post to) and saying why — 400 for a body
that does not decode, 413 for one too large, 415 for another content type, and 503 with
`Retry-After` when the stream cannot take the events (the exporter retries). Dropped records
are logged once per export, with their counts, never once per record.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from google.protobuf.message import Message
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import (
    ExportLogsPartialSuccess,
    ExportLogsServiceRequest,
    ExportLogsServiceResponse,
)
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
    ExportMetricsPartialSuccess,
    ExportMetricsServiceRequest,
    ExportMetricsServiceResponse,
)
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTracePartialSuccess,
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from redis.exceptions import RedisError

from ..group_commit import NOT_WRITTEN
from ..settings import IngestSettings
from .body import BodyRefused, Encoding, Limits, decode, encode, encoding_of, read_body, status_body
from .logs import map_logs
from .metrics import data_points, map_metrics
from .records import Tally
from .storing import store
from .traces import map_traces

logger = logging.getLogger(__name__)

_UNAVAILABLE = (
    *NOT_WRITTEN,
    RedisError,  # from reading the tasks' usage sources, before any write
    OSError,
    TimeoutError,
)


@dataclass(frozen=True)
class Signal:
    name: str
    request: type[Message]
    records: Callable[[Any], int]
    mapping: Callable[[Any], Tally]
    answer: Callable[[int, str], Message]


def _log_records(request: ExportLogsServiceRequest) -> int:
    return sum(len(s.log_records) for r in request.resource_logs for s in r.scope_logs)


def _data_points(request: ExportMetricsServiceRequest) -> int:
    return sum(
        data_points(metric)
        for r in request.resource_metrics
        for s in r.scope_metrics
        for metric in s.metrics
    )


def _spans(request: ExportTraceServiceRequest) -> int:
    return sum(len(s.spans) for r in request.resource_spans for s in r.scope_spans)


LOGS = Signal(
    "log records",
    ExportLogsServiceRequest,
    _log_records,
    map_logs,
    lambda rejected, why: ExportLogsServiceResponse(
        partial_success=ExportLogsPartialSuccess(rejected_log_records=rejected, error_message=why)
    ),
)
METRICS = Signal(
    "data points",
    ExportMetricsServiceRequest,
    _data_points,
    map_metrics,
    lambda rejected, why: ExportMetricsServiceResponse(
        partial_success=ExportMetricsPartialSuccess(
            rejected_data_points=rejected, error_message=why
        )
    ),
)
TRACES = Signal(
    "spans",
    ExportTraceServiceRequest,
    _spans,
    map_traces,
    lambda rejected, why: ExportTraceServiceResponse(
        partial_success=ExportTracePartialSuccess(rejected_spans=rejected, error_message=why)
    ),
)

_BINARY = {"schema": {"type": "string", "format": "binary"}}
_ENCODED = {"application/x-protobuf": _BINARY, "application/json": {"schema": {"type": "object"}}}
_OPENAPI: dict[str, Any] = {
    "requestBody": {
        # An empty body is an empty export (nothing to store), as OTLP reads it.
        "required": False,
        "description": "An OTLP export request, protobuf or OTLP JSON, optionally "
        "gzip-compressed (`Content-Encoding: gzip`).",
        "content": _ENCODED,
    }
}


def _status_answer(description: str) -> dict[str, Any]:
    return {"description": f"{description} A `google.rpc.Status`.", "content": _ENCODED}


_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "Every mapped record is on the stream. The signal's "
        "Export*ServiceResponse, encoded as the request was; its `partial_success` counts the "
        "records dropped and says why.",
        "content": _ENCODED,
    },
    400: _status_answer("The body is not an OTLP export request."),
    413: _status_answer("The body as inflated, or its record count, is over the limit."),
    415: _status_answer("The Content-Type or Content-Encoding is not an OTLP one."),
    503: _status_answer(
        "The event stream cannot take the events; nothing was accepted. Retry after "
        "`Retry-After` seconds (a retried export is stored once)."
    ),
}

otlp = APIRouter(prefix="/v1", tags=["otlp"])


def _route(path: str, signal: Signal, summary: str) -> None:
    async def export(request: Request) -> Response:
        return await _export(request, signal)

    otlp.add_api_route(
        path,
        export,
        methods=["POST"],
        summary=summary,
        response_class=Response,
        responses=_RESPONSES,
        openapi_extra=_OPENAPI,
        name=f"otlp_{path.strip('/')}",
    )


_route("/logs", LOGS, "OTLP log records (Claude Code events)")
_route("/metrics", METRICS, "OTLP metrics (Claude Code token and cost usage)")
_route("/traces", TRACES, "OTLP spans (GenAI usage and errors)")


async def _export(request: Request, signal: Signal) -> Response:
    settings: IngestSettings = request.app.state.settings
    encoding = Encoding.JSON
    try:
        encoding = encoding_of(request.headers.get("content-type"))
        limits = Limits(settings.otlp_max_body_bytes, settings.otlp_max_decompressed_bytes)
        body = await read_body(request.stream(), request.headers.get("content-encoding"), limits)
        export = decode(signal.request, body, encoding)
        records = signal.records(export)
        if records > settings.otlp_records_limit:
            limit = settings.otlp_records_limit
            raise BodyRefused(413, f"At most {limit} {signal.name} per export; got {records}.")
    except BodyRefused as refusal:
        return _status(refusal.status, str(refusal), encoding)
    tally = signal.mapping(export)
    try:
        stored, superseded = await store(request, tally)
    except _UNAVAILABLE as unavailable:
        logger.warning("OTLP %s not accepted: %r", signal.name, unavailable)
        answer = _status(503, "The event stream is unavailable; retry later.", encoding)
        answer.headers["Retry-After"] = str(settings.retry_after_seconds)
        return answer
    if tally.rejected or superseded:
        logger.info(
            "OTLP export of %d %s: %d stored, %d dropped (%s), %d left out for their task's "
            "other usage source",
            records,
            signal.name,
            stored,
            tally.rejected,
            tally.summary() or "none",
            superseded,
        )
    response = signal.answer(tally.rejected, tally.summary())
    if not tally.rejected:
        response.ClearField("partial_success")
    return Response(encode(response, encoding), 200, media_type=encoding.value)


def _status(code: int, message: str, encoding: Encoding) -> Response:
    # google.rpc.Code: INVALID_ARGUMENT (3) for refused bodies, UNAVAILABLE (14) for 503.
    rpc_code = 14 if code == 503 else 3
    return Response(status_body(rpc_code, message, encoding), code, media_type=encoding.value)

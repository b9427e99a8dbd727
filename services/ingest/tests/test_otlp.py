"""`POST /v1/logs|metrics|traces`: OTLP exports mapped to status events on the stream."""

import gzip
import logging
from decimal import Decimal

from google.rpc.status_pb2 import Status
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceResponse
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
    ExportMetricsServiceResponse,
)
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceResponse
from opentelemetry.proto.metrics.v1.metrics_pb2 import AggregationTemporality
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import Status as SpanStatus
from opentelemetry.trace import StatusCode

from tests.factories import GATEWAY_IDENTITY
from tests.otlp import (
    JSON,
    PROTOBUF,
    api_error,
    api_request,
    as_json,
    claude_code_logs,
    claude_code_metrics,
    cost_point,
    gzipped,
    token_point,
    tool_result,
    user_prompt,
)
from tests.streams import stream_events
from tracker_contracts import PROJECTS_HEADER, StatusEvent, encode_projects


async def test_claude_code_log_events_become_status_events_on_the_sessions_task(
    ingest, redis_url, events_stream
) -> None:
    export = claude_code_logs(
        "otlp-logs",
        [
            user_prompt("s-1"),
            api_request("s-1"),
            tool_result("s-1", success=False),
            api_error("s-1"),
            ("hook_event", {"session.id": "s-1"}),
        ],
    )
    response = await ingest.post("/v1/logs", content=export.SerializeToString(), headers=PROTOBUF)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/x-protobuf"
    answer = ExportLogsServiceResponse.FromString(response.content)
    assert answer.partial_success.rejected_log_records == 1
    assert "not Claude Code events" in answer.partial_success.error_message
    stored = await stream_events(redis_url, events_stream)
    assert all(isinstance(e, StatusEvent) for e in stored)
    payloads = [e.payload for e in stored]
    assert {(p.project, p.task_id, p.agent, p.status) for p in payloads} == {
        ("otlp-logs", "s-1", "claude-code", "running")
    }
    assert [p.message for p in payloads] == [
        "User prompt (42 characters)",
        "API request to claude-sonnet-4-5 in 2150 ms",
        "Tool Bash failed in 87 ms: exit code 1",
        "API error from claude-sonnet-4-5 (529): Overloaded",
    ]
    usage = payloads[1].usage
    assert usage is not None
    assert (usage.model, usage.input_tokens, usage.output_tokens) == (
        "claude-sonnet-4-5",
        1200,
        340,
    )
    assert (usage.cache_read_tokens, usage.cache_write_tokens) == (5000, 100)
    assert (usage.cost, usage.currency) == (Decimal("0.0123"), "USD")
    assert [p.usage for p in payloads[2:]] == [None, None]


async def test_dropped_records_are_logged_once_per_export_with_their_counts(ingest, caplog) -> None:
    export = claude_code_logs("otlp-log-line", [("hook_event", {})] * 3 + [api_request("s")])
    with caplog.at_level(logging.INFO, logger="tracker_ingest.otlp"):
        response = await ingest.post(
            "/v1/logs", content=export.SerializeToString(), headers=PROTOBUF
        )
    assert response.status_code == 200
    [line] = [r.getMessage() for r in caplog.records if r.name.startswith("tracker_ingest.otlp")]
    assert line == (
        "OTLP export of 4 log records: 1 stored, 3 dropped (3 log records that are not Claude "
        "Code events), 0 left out for their task's other usage source"
    )


async def test_a_retried_export_in_any_encoding_is_stored_once(
    ingest, redis_url, events_stream
) -> None:
    export = claude_code_logs("otlp-retry", [api_request("s-2"), tool_result("s-2")])
    first = await ingest.post("/v1/logs", content=export.SerializeToString(), headers=PROTOBUF)
    assert first.status_code == 200
    again = await ingest.post(
        "/v1/logs",
        content=gzipped(as_json(export)),
        headers={**JSON, "Content-Encoding": "gzip"},
    )
    assert again.status_code == 200
    assert again.headers["content-type"] == "application/json"
    assert again.json() == {}
    once_more = await ingest.post("/v1/logs", content=export.SerializeToString(), headers=PROTOBUF)
    assert once_more.status_code == 200
    assert len(await stream_events(redis_url, events_stream)) == 2


async def test_usage_metrics_are_counted_for_sessions_without_usage_log_events(
    ingest, redis_url, events_stream
) -> None:
    logged = claude_code_logs("otlp-metrics", [api_request("logged")])
    assert (
        await ingest.post("/v1/logs", content=logged.SerializeToString(), headers=PROTOBUF)
    ).status_code == 200
    metrics = claude_code_metrics(
        "otlp-metrics",
        [
            token_point("logged", "input", 1200),
            cost_point("logged", 0.0123),
            token_point("metered", "input", 700),
            token_point("metered", "cacheCreation", 30),
            cost_point("metered", 0.25),
        ],
    )
    response = await ingest.post("/v1/metrics", content=as_json(metrics), headers=JSON)
    assert response.status_code == 200
    assert response.json() == {}
    stored = [e.payload for e in await stream_events(redis_url, events_stream)]
    by_task: dict[str, list] = {}
    for payload in stored:
        by_task.setdefault(payload.task_id, []).append(payload.usage)
    assert len(by_task["logged"]) == 1  # the metrics repeating its log event were left out
    assert [(u.input_tokens, u.cache_write_tokens, u.cost) for u in by_task["metered"]] == [
        (700, None, None),
        (None, 30, None),
        (None, None, Decimal("0.25")),
    ]
    # Once a session's usage comes from metrics, its api_request events add messages only.
    late = claude_code_logs("otlp-metrics", [api_request("metered")])
    assert (
        await ingest.post("/v1/logs", content=late.SerializeToString(), headers=PROTOBUF)
    ).status_code == 200
    last = (await stream_events(redis_url, events_stream))[-1].payload
    assert (last.task_id, last.usage, last.message) == (
        "metered",
        None,
        "API request to claude-sonnet-4-5 in 2150 ms",
    )


async def test_cumulative_and_other_metrics_are_dropped_and_counted(
    ingest, redis_url, events_stream
) -> None:
    cumulative = claude_code_metrics(
        "otlp-cumulative",
        [token_point("s", "input", 5), token_point("s", "output", 6)],
        temporality=AggregationTemporality.AGGREGATION_TEMPORALITY_CUMULATIVE,
    )
    other = claude_code_metrics("otlp-cumulative", [("claude_code.session.count", 1, {})])
    for export in (cumulative, other):
        response = await ingest.post(
            "/v1/metrics", content=export.SerializeToString(), headers=PROTOBUF
        )
        assert response.status_code == 200
        partial = ExportMetricsServiceResponse.FromString(response.content).partial_success
        assert partial.rejected_data_points == len(
            export.resource_metrics[0].scope_metrics[0].metrics[0].sum.data_points
        )
    assert await stream_events(redis_url, events_stream) == []


async def test_token_counts_that_are_not_whole_numbers_are_dropped_and_counted(
    ingest, redis_url, events_stream
) -> None:
    points = [token_point("s", "input", amount) for amount in (float("inf"), float("nan"), 2.5)]
    export = claude_code_metrics("otlp-not-whole", points)
    response = await ingest.post(
        "/v1/metrics", content=export.SerializeToString(), headers=PROTOBUF
    )
    assert response.status_code == 200
    partial = ExportMetricsServiceResponse.FromString(response.content).partial_success
    assert partial.rejected_data_points == 3
    assert await stream_events(redis_url, events_stream) == []


async def test_genai_spans_add_usage_and_failed_spans_a_message(
    ingest, redis_url, events_stream
) -> None:
    finished = InMemorySpanExporter()
    provider = TracerProvider(
        resource=Resource.create({"service.name": "my-agent", "agent_tracker.project": "otlp-t"})
    )
    provider.add_span_processor(SimpleSpanProcessor(finished))
    tracer = provider.get_tracer("agent")
    with tracer.start_as_current_span("chat claude-sonnet-4-5") as chat:
        chat.set_attributes(
            {
                "gen_ai.request.model": "claude-sonnet-4-5",
                "gen_ai.usage.input_tokens": 100,
                "gen_ai.usage.output_tokens": 20,
            }
        )
        with tracer.start_as_current_span("execute_tool") as tool:
            tool.set_status(SpanStatus(StatusCode.ERROR, "tool timed out"))
        with tracer.start_as_current_span("plain"):
            pass
    spans = finished.get_finished_spans()
    trace_id = format(spans[0].context.trace_id, "032x")
    export = encode_spans(spans)
    response = await ingest.post("/v1/traces", content=as_json(export), headers=JSON)
    assert response.status_code == 200
    assert response.json()["partialSuccess"]["rejectedSpans"] == "1"
    stored = [e.payload for e in await stream_events(redis_url, events_stream)]
    assert {(p.project, p.task_id, p.agent) for p in stored} == {("otlp-t", trace_id, "my-agent")}
    assert [p.message for p in stored] == ["Span execute_tool failed: tool timed out", None]
    assert stored[1].usage is not None
    assert (stored[1].usage.input_tokens, stored[1].usage.output_tokens) == (100, 20)
    provider.shutdown()
    again = await ingest.post(
        "/v1/traces", content=encode_spans(spans).SerializeToString(), headers=PROTOBUF
    )
    assert ExportTraceServiceResponse.FromString(again.content).partial_success.rejected_spans == 1
    assert len(await stream_events(redis_url, events_stream)) == 2


async def test_records_without_project_or_task_or_outside_the_keys_projects_are_dropped(
    serve_ingest, redis_url, events_stream
) -> None:
    limited = {**GATEWAY_IDENTITY, PROJECTS_HEADER: encode_projects(["mine"])}
    async with serve_ingest() as ingest:
        exports = [
            claude_code_logs("theirs", [api_request("s")]),
            claude_code_logs("mine", [("api_request", {"model": "m"})]),
        ]
        answers = []
        for export in exports:
            response = await ingest.post(
                "/v1/logs",
                content=export.SerializeToString(),
                headers={**PROTOBUF, **limited},
            )
            assert response.status_code == 200
            answers.append(ExportLogsServiceResponse.FromString(response.content).partial_success)
    assert [a.rejected_log_records for a in answers] == [1, 1]
    assert "may not post to" in answers[0].error_message
    assert "without a task" in answers[1].error_message
    assert await stream_events(redis_url, events_stream) == []


async def test_bodies_that_are_not_otlp_exports_are_refused(ingest, redis_url, events_stream):
    cases = [
        ({"Content-Type": "text/plain"}, b"hello", 415),
        ({**PROTOBUF, "Content-Encoding": "br"}, b"x", 415),
        (PROTOBUF, b"\xff\xff\xff", 400),
        (JSON, b"{not json", 400),
        (JSON, b'{"resourceLogs": 3}', 400),
        ({**JSON, "Content-Encoding": "gzip"}, b"not gzip", 400),
        ({**JSON, "Content-Encoding": "gzip"}, gzip.compress(b"{}")[:-6], 400),
    ]
    for headers, content, expected in cases:
        response = await ingest.post("/v1/logs", content=content, headers=headers)
        assert response.status_code == expected, (headers, content, response.text)
        if expected == 400:
            media = headers["Content-Type"]
            assert response.headers["content-type"] == media
            if media == PROTOBUF["Content-Type"]:
                assert Status.FromString(response.content).message
            else:
                assert response.json()["message"]
    assert await stream_events(redis_url, events_stream) == []


async def test_large_bodies_and_zip_bombs_are_refused_with_413(serve_ingest) -> None:
    async with serve_ingest(
        otlp_max_body_bytes=64 * 1024, otlp_max_decompressed_bytes=1024 * 1024, otlp_max_records=3
    ) as ingest:
        bomb = gzip.compress(b"\0" * (48 * 1024 * 1024), compresslevel=9)
        assert len(bomb) < 64 * 1024
        response = await ingest.post(
            "/v1/logs", content=bomb, headers={**PROTOBUF, "Content-Encoding": "gzip"}
        )
        assert response.status_code == 413
        assert "inflates" in Status.FromString(response.content).message
        large = b"\0" * (64 * 1024 + 1)
        assert (await ingest.post("/v1/logs", content=large, headers=PROTOBUF)).status_code == 413
        many = claude_code_logs("p", [tool_result("s")] * 4)
        response = await ingest.post("/v1/logs", content=many.SerializeToString(), headers=PROTOBUF)
        assert response.status_code == 413


async def test_an_unavailable_stream_is_503_with_retry_after(ingest_without_redis) -> None:
    export = claude_code_logs("otlp-down", [api_request("s")])
    response = await ingest_without_redis.post(
        "/v1/logs", content=export.SerializeToString(), headers=PROTOBUF
    )
    assert response.status_code == 503
    assert int(response.headers["retry-after"]) >= 1
    assert Status.FromString(response.content).code == 14


async def test_otlp_without_the_gateways_identity_is_refused(ingest) -> None:
    for name in GATEWAY_IDENTITY:
        del ingest.headers[name]
    export = claude_code_logs("p", [api_request("s")])
    response = await ingest.post("/v1/logs", content=export.SerializeToString(), headers=PROTOBUF)
    assert response.status_code == 401

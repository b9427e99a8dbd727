"""OTLP/HTTP through the real gateway: the OpenTelemetry SDK's own exporters, configured only
by the environment as Claude Code's are, and recorded Claude Code exports; their tasks, usage
and cost in the API, the statistics and on the WebSocket."""

from typing import Any

import httpx
import pytest
from google.rpc.status_pb2 import Status
from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter
from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceResponse
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import BatchLogRecordProcessor
from opentelemetry.sdk.metrics import Counter, MeterProvider
from opentelemetry.sdk.metrics.export import AggregationTemporality, PeriodicExportingMetricReader
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor

from tests.otlp import (
    JSON,
    PROTOBUF,
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
from tests.waiting import eventually

from .conftest import Stack
from .test_gateway import connections, live, new_project, receive


@pytest.fixture
def exporter_environment(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> None:
    """The variables the README sets for Claude Code, read by the SDK's exporters."""
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", stack.url)
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_HEADERS", f"x-api-key={stack.keys['agent']}")
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_COMPRESSION", "gzip")


def task_of(stack: Stack, project: str, task_id: str) -> dict[str, Any] | None:
    answer = httpx.get(
        f"{stack.url}/api/projects/{project}/tasks/{task_id}", headers=stack.headers("dashboard")
    )
    return answer.json() if answer.is_success else None


def test_the_sdk_exporters_reach_the_tasks_usage_and_the_live_feed(
    stack: Stack, exporter_environment: None
) -> None:
    project = new_project()
    resource = Resource.create({"service.name": "claude-code", "agent_tracker.project": project})
    with live(stack, f"api_key={stack.keys['dashboard']}&project={project}") as websocket:
        eventually(lambda: connections(stack)["project_connections"].get(project) == 1)
        logs = LoggerProvider(resource=resource)
        logs.add_log_record_processor(BatchLogRecordProcessor(OTLPLogExporter()))
        events = logs.get_logger("com.anthropic.claude_code.events")
        for name, values in (user_prompt("sdk-logs"), api_request("sdk-logs")):
            events.emit(body=f"claude_code.{name}", attributes=values, event_name=name)
        logs.shutdown()
        received = receive(websocket, 2)

    assert [m["type"] for m in received] == ["task_status", "task_status"]
    assert received[1]["data"]["usage"]["cost"] == pytest.approx(0.0123)

    metrics = MeterProvider(
        resource=resource,
        metric_readers=[
            PeriodicExportingMetricReader(
                OTLPMetricExporter(preferred_temporality={Counter: AggregationTemporality.DELTA}),
                export_interval_millis=60_000,
            )
        ],
    )
    meter = metrics.get_meter("com.anthropic.claude_code")
    tokens = meter.create_counter("claude_code.token.usage", unit="tokens")
    cost = meter.create_counter("claude_code.cost.usage", unit="USD")
    model = {"model": "claude-haiku-4-5"}
    # The session with log events keeps its usage from them; the other counts its metrics.
    tokens.add(1200, {"session.id": "sdk-logs", "type": "input", **model})
    tokens.add(900, {"session.id": "sdk-metrics", "type": "input", **model})
    tokens.add(80, {"session.id": "sdk-metrics", "type": "output", **model})
    cost.add(0.5, {"session.id": "sdk-metrics", **model})
    metrics.shutdown()

    spans = TracerProvider(resource=resource)
    spans.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    with spans.get_tracer("agent").start_as_current_span("chat") as chat:
        chat.set_attributes(
            {
                "session.id": "sdk-traces",
                "gen_ai.response.model": "claude-opus-4-5",
                "gen_ai.usage.input_tokens": 10,
                "gen_ai.usage.output_tokens": 3,
            }
        )
    spans.shutdown()

    logged = eventually(lambda: task_of(stack, project, "sdk-logs"))
    assert (logged["status"], logged["agent"]) == ("running", "claude-code")
    assert logged["usage"]["input_tokens"] == 1200
    assert logged["usage"]["cost"] == {"USD": pytest.approx(0.0123)}
    metered = eventually(
        lambda: (t := task_of(stack, project, "sdk-metrics")) and len(t["events"]) == 3 and t
    )
    assert (metered["usage"]["input_tokens"], metered["usage"]["output_tokens"]) == (900, 80)
    assert metered["usage"]["cost"] == {"USD": pytest.approx(0.5)}
    traced = eventually(lambda: task_of(stack, project, "sdk-traces"))
    assert (traced["usage"]["input_tokens"], traced["usage"]["output_tokens"]) == (10, 3)

    by_model = httpx.get(
        f"{stack.url}/api/stats/usage?by=model&project={project}",
        headers=stack.headers("dashboard"),
    ).json()
    assert {row["key"]: row["input_tokens"] for row in by_model} == {
        "claude-sonnet-4-5": 1200,
        "claude-haiku-4-5": 900,
        "claude-opus-4-5": 10,
    }


def test_recorded_claude_code_exports_retried_count_once(stack: Stack) -> None:
    project = new_project()
    agent = stack.headers("agent")
    logs = claude_code_logs(project, [api_request("rec"), tool_result("rec")])
    metrics = claude_code_metrics(
        project, [token_point("rec-m", "output", 77), cost_point("rec-m", 0.1)]
    )
    sends = [
        ("/v1/logs", logs.SerializeToString(), PROTOBUF),
        ("/v1/logs", gzipped(as_json(logs)), {**JSON, "Content-Encoding": "gzip"}),
        (
            "/v1/metrics",
            gzipped(metrics.SerializeToString()),
            {**PROTOBUF, "Content-Encoding": "gzip"},
        ),
        ("/v1/metrics", as_json(metrics), JSON),
    ]
    for path, content, headers in sends * 2:
        response = httpx.post(f"{stack.url}{path}", content=content, headers={**agent, **headers})
        assert response.status_code == 200, response.text
    task = eventually(lambda: (t := task_of(stack, project, "rec")) and len(t["events"]) == 2 and t)
    assert task["message"] == "Tool Bash succeeded in 87 ms"
    assert (task["usage"]["input_tokens"], task["usage"]["cost"]) == (1200, {"USD": 0.0123})
    metered = eventually(
        lambda: (t := task_of(stack, project, "rec-m")) and len(t["events"]) == 2 and t
    )
    assert (metered["usage"]["output_tokens"], metered["usage"]["cost"]) == (77, {"USD": 0.1})
    stats = httpx.get(
        f"{stack.url}/api/stats/usage?by=model&project={project}",
        headers=stack.headers("dashboard"),
    ).json()
    assert [(row["output_tokens"], row["cost"]) for row in stats] == [
        (417, {"USD": pytest.approx(0.1123)})
    ]


def test_otlp_refusals_through_the_gateway(stack: Stack) -> None:
    agent = stack.headers("agent")
    export = claude_code_logs(new_project(), [api_request("s")]).SerializeToString()
    url = f"{stack.url}/v1/logs"
    assert httpx.post(url, content=export, headers=PROTOBUF).status_code == 401
    read_only = {**stack.headers("dashboard"), **PROTOBUF}
    assert httpx.post(url, content=export, headers=read_only).status_code == 403
    wrong_type = httpx.post(url, content=export, headers={**agent, "Content-Type": "text/plain"})
    assert wrong_type.status_code == 415
    bad = httpx.post(url, content=b"\x0a\xff", headers={**agent, **PROTOBUF})
    assert bad.status_code == 400
    assert Status.FromString(bad.content).message
    too_big = httpx.post(
        url, content=b"\0" * (10 * 1024 * 1024 + 1), headers={**agent, **PROTOBUF}, timeout=30
    )
    assert too_big.status_code == 413
    without_session = [api_request("s"), ("api_request", {"model": "m"})]
    partly = httpx.post(
        url,
        content=claude_code_logs(new_project(), without_session).SerializeToString(),
        headers={**agent, **PROTOBUF},
    )
    assert partly.status_code == 200
    answer = ExportLogsServiceResponse.FromString(partly.content).partial_success
    assert answer.rejected_log_records == 1
    assert "without a task" in answer.error_message

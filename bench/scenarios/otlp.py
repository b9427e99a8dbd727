"""OTLP log exports through the gateway, beside batch webhooks of the same size: records per
second, each side measured with the same connections and records per request.

The exports are what Claude Code's exporter sends: OpenTelemetry's default batch of 512 log
records (`claude_code.api_request`, with usage), protobuf, gzip-compressed, one session per
export; the batch webhooks carry 512 status events with the same usage, each with its
`event_id` as the CLI and SDK send them, so that both sides are retry-safe (an idempotency
record per event). The target: OTLP within 2× of batch webhooks per record.
"""

import asyncio
import gzip
import time
import uuid
from collections.abc import Callable
from typing import Any

import httpx
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import (
    ExportLogsServiceRequest,
    ExportLogsServiceResponse,
)
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, InstrumentationScope, KeyValue
from opentelemetry.proto.logs.v1.logs_pb2 import LogRecord, ResourceLogs, ScopeLogs
from opentelemetry.proto.resource.v1.resource_pb2 import Resource

from ..cpu import measured
from ..report import Row, median_of_runs, per_second
from ..system import System

RECORDS = 512  # OpenTelemetry's BatchLogRecordProcessor: OTEL_BLRP_MAX_EXPORT_BATCH_SIZE
CONNECTIONS = 4
PROJECT = "bench-otlp"
USAGE = {
    "model": "claude-sonnet-4-5",
    "input_tokens": 1200,
    "output_tokens": 340,
    "cache_read_tokens": 5000,
    "cost": 0.0123,
}


def _text(values: dict[str, Any]) -> list[KeyValue]:
    return [KeyValue(key=k, value=AnyValue(string_value=str(v))) for k, v in values.items()]


def _export() -> bytes:
    session = f"{uuid.uuid4()}"
    start = time.time_ns()
    records = [
        LogRecord(
            time_unix_nano=start + index,
            observed_time_unix_nano=start + index,
            body=AnyValue(string_value="claude_code.api_request"),
            attributes=_text(
                {
                    "event.name": "api_request",
                    "session.id": session,
                    "model": USAGE["model"],
                    "input_tokens": USAGE["input_tokens"],
                    "output_tokens": USAGE["output_tokens"],
                    "cache_read_tokens": USAGE["cache_read_tokens"],
                    "cache_creation_tokens": 0,
                    "cost_usd": USAGE["cost"],
                    "duration_ms": 2000 + index,
                }
            ),
        )
        for index in range(RECORDS)
    ]
    resource = Resource(
        attributes=_text({"service.name": "claude-code", "agent_tracker.project": PROJECT})
    )
    request = ExportLogsServiceRequest(
        resource_logs=[
            ResourceLogs(
                resource=resource,
                scope_logs=[
                    ScopeLogs(
                        scope=InstrumentationScope(name="com.anthropic.claude_code.events"),
                        log_records=records,
                    )
                ],
            )
        ]
    )
    return gzip.compress(request.SerializeToString())


def _batch() -> dict[str, Any]:
    task = {"project": PROJECT, "task": "Batch", "task_id": f"batch-{uuid.uuid4().hex[:12]}"}
    return {
        "events": [
            {
                "type": "status",
                "event_id": str(uuid.uuid4()),
                **task,
                "agent": "bench",
                "message": f"API request {index}",
                "usage": USAGE,
            }
            for index in range(RECORDS)
        ]
    }


async def _post_all(
    url: str, headers: dict[str, str], requests: list[Callable[[httpx.AsyncClient], Any]]
) -> float:
    """Seconds to send every request, `CONNECTIONS` at a time."""
    limits = httpx.Limits(max_connections=CONNECTIONS)
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=60, limits=limits) as c:
        gate = asyncio.Semaphore(CONNECTIONS)

        async def send(request: Callable[[httpx.AsyncClient], Any]) -> None:
            async with gate:
                await request(c)

        started = time.monotonic()
        await asyncio.gather(*(send(request) for request in requests))
        return time.monotonic() - started


def _otlp_request(body: bytes) -> Callable[[httpx.AsyncClient], Any]:
    async def post(client: httpx.AsyncClient) -> None:
        answer = await client.post(
            "/v1/logs",
            content=body,
            headers={"Content-Type": "application/x-protobuf", "Content-Encoding": "gzip"},
        )
        answer.raise_for_status()
        rejected = ExportLogsServiceResponse.FromString(answer.content).partial_success
        if rejected.rejected_log_records:
            raise RuntimeError(f"an export was not accepted whole: {rejected.error_message}")

    return post


def _batch_request(body: dict[str, Any]) -> Callable[[httpx.AsyncClient], Any]:
    async def post(client: httpx.AsyncClient) -> None:
        answer = await client.post("/webhook/batch", json=body)
        answer.raise_for_status()
        if answer.json()["accepted"] != RECORDS:
            raise RuntimeError(f"a batch was not accepted whole: {answer.text[:300]}")

    return post


def exports(system: System, *, runs: int, requests: int) -> list[Row]:
    """OTLP log exports, then batch webhooks, `requests` of each per run: records per second."""
    cpu_texts: dict[str, list[str]] = {"otlp": [], "batch": []}

    def rate_of(kind: str) -> Callable[[], dict[str, float]]:
        def once() -> dict[str, float]:
            if kind == "otlp":
                made = [_otlp_request(_export()) for _ in range(requests)]
            else:
                made = [_batch_request(_batch()) for _ in range(requests)]
            with measured(system.processes()) as cpu:
                seconds = asyncio.run(_post_all(system.gateway_url, system.headers, made))
            cpu_texts[kind].append(cpu.describe())
            return {"rate": requests * RECORDS / seconds}

        return once

    otlp = median_of_runs(runs, rate_of("otlp"))["rate"]
    batch = median_of_runs(runs, rate_of("batch"))["rate"]
    middle = runs // 2
    return [
        Row(
            f"OTLP logs through the gateway ({RECORDS} Claude Code api_request records per "
            f"export, protobuf + gzip, {CONNECTIONS} connections)",
            f"{per_second(otlp)} records ({otlp / batch:.2f}× batch webhooks)",
            "≥ 0.5× batch webhooks per record",
            otlp >= batch / 2,
            cpu_texts["otlp"][middle],
        ),
        Row(
            f"batch webhooks through the gateway ({RECORDS} statuses with usage and event ids "
            f"per request, {CONNECTIONS} connections)",
            f"{per_second(batch)} events",
            "",
            None,
            cpu_texts["batch"][middle],
        ),
    ]

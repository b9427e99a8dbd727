"""What a worker tells about itself, on its own port (never through the gateway).

- `GET /health`, liveness: `200` while its loops (consuming, sweeping, watching budgets) run,
  `503` once one has ended, which only a fault can do: restart the process. Asks no server, so
  a database or Redis that is away never restarts a worker; what its consumer does is in the
  body.
- `GET /ready`, readiness: `200` while it is alive, PostgreSQL and Redis answer and its
  consumer applies events; `503` otherwise (also while it waits for a database that refuses
  events).
- `GET /metrics`, Prometheus' text format: `tracker_consumer_group_lag`, the entries of the
  stream its consumer group has not yet read or not yet acknowledged (by the rule ingest bounds
  the stream with, `tracker_contracts._backlog`). Every worker reports the group's one figure,
  something to scale the workers on.
"""

import asyncio
from dataclasses import dataclass
from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, PlainTextResponse
from pydantic import AwareDatetime, BaseModel, Field
from redis.asyncio import Redis
from redis.exceptions import RedisError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tracker_contracts import GROUP_BACKLOG_SCRIPT, appended_count_key

from .consumer import ConsumerState, EventConsumer
from .db import CHECK_TIMEOUT_SECONDS, database_answers
from .settings import QuerySettings

router = APIRouter(tags=["health"])

LAG_METRIC = "tracker_consumer_group_lag"
_PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8"

Reachable = Literal["connected", "unreachable"]


@dataclass(frozen=True)
class Worker:
    """What the health routes look at, built by the worker's lifespan."""

    settings: QuerySettings
    consumer: EventConsumer
    redis: Redis
    sessions: async_sessionmaker[AsyncSession]
    """The sweeps' pool, which the readiness check shares (the consumer's is never touched)."""
    loops: list[asyncio.Task[None]]


class WaitingOut(BaseModel):
    since: AwareDatetime = Field(description="When the database first refused the events.")
    reason: str = Field(description="The database's last refusal, e.g. a read-only database.")


class WorkerHealthOut(BaseModel):
    status: Literal["ok", "error"] = Field(
        description="`ok` while the worker's loops run; `error` (503) once one has ended."
    )
    consumer: ConsumerState = Field(
        description="The event consumer: `waiting` while the database cannot take events "
        "(they stay in the stream, nothing is lost or set aside, and they are applied when it "
        "can again)."
    )
    waiting: WaitingOut | None = Field(description="Why and since when it waits, if it does.")


class WorkerReadyOut(BaseModel):
    status: Literal["ok", "error"]
    database: Reachable
    redis: Reachable
    consumer: ConsumerState
    waiting: WaitingOut | None


def _waiting(consumer: EventConsumer) -> WaitingOut | None:
    waiting = consumer.waiting
    return None if waiting is None else WaitingOut(since=waiting.since, reason=waiting.reason)


def _worker(request: Request) -> Worker:
    worker: Worker = request.app.state.worker
    return worker


def _alive(worker: Worker) -> bool:
    return not any(loop.done() for loop in worker.loops)


@router.get(
    "/health",
    summary="The worker's loops run (liveness)",
    response_model=WorkerHealthOut,
    responses={503: {"description": "A loop has ended.", "model": WorkerHealthOut}},
)
async def health(request: Request) -> JSONResponse:
    worker = _worker(request)
    alive = _alive(worker)
    body = WorkerHealthOut(
        status="ok" if alive else "error",
        consumer=worker.consumer.state,
        waiting=_waiting(worker.consumer),
    )
    return JSONResponse(body.model_dump(mode="json"), status_code=200 if alive else 503)


@router.get(
    "/ready",
    summary="PostgreSQL and Redis answer and the consumer applies events (readiness)",
    response_model=WorkerReadyOut,
    responses={503: {"description": "Something it needs is missing.", "model": WorkerReadyOut}},
)
async def ready(request: Request) -> JSONResponse:
    worker = _worker(request)
    database, redis = await asyncio.gather(_database(worker), _redis(worker.redis))
    state = worker.consumer.state
    is_ready = _alive(worker) and database == redis == "connected" and state == "running"
    body = WorkerReadyOut(
        status="ok" if is_ready else "error",
        database=database,
        redis=redis,
        consumer=state,
        waiting=_waiting(worker.consumer),
    )
    return JSONResponse(body.model_dump(mode="json"), status_code=200 if is_ready else 503)


async def _database(worker: Worker) -> Reachable:
    async with worker.sessions() as session:
        return "connected" if await database_answers(session) else "unreachable"


async def _redis(redis: Redis) -> Reachable:
    try:
        async with asyncio.timeout(CHECK_TIMEOUT_SECONDS):
            await redis.ping()
    except (RedisError, OSError, TimeoutError):
        return "unreachable"
    return "connected"


@router.get(
    "/metrics",
    summary="The consumer group's lag, in Prometheus' text format",
    response_class=PlainTextResponse,
    responses={503: {"description": "Redis does not answer."}},
)
async def metrics(request: Request) -> PlainTextResponse:
    worker = _worker(request)
    stream, group = worker.settings.events_stream, worker.settings.consumer_group
    try:
        async with asyncio.timeout(CHECK_TIMEOUT_SECONDS):
            lag = await group_lag(worker.redis, stream, group)
    except (RedisError, OSError, TimeoutError):
        return PlainTextResponse("# Redis does not answer\n", status_code=503)
    labels = f'stream="{_label(stream)}",group="{_label(group)}"'
    text = (
        f"# HELP {LAG_METRIC} Entries of the stream the consumer group has not yet read or "
        "not yet acknowledged.\n"
        f"# TYPE {LAG_METRIC} gauge\n"
        f"{LAG_METRIC}{{{labels}}} {lag}\n"
    )
    return PlainTextResponse(text, media_type=_PROMETHEUS_TEXT)


async def group_lag(redis: Redis, stream: str, group: str) -> int:
    """Entries of `stream` that `group` has not yet read or not yet acknowledged."""
    backlog = redis.register_script(GROUP_BACKLOG_SCRIPT)
    return int(await backlog(keys=[stream, appended_count_key(stream)], args=[group]))


def _label(value: str) -> str:
    """A label value as Prometheus' text format writes it."""
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")

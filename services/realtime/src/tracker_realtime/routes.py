import asyncio
import contextlib
import logging
from collections import Counter
from collections.abc import Coroutine
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request, WebSocket, WebSocketDisconnect
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict
from redis.asyncio import Redis
from redis.exceptions import RedisError

from tracker_contracts import EntryId, identity_of

from .connections import ConnectionRegistry
from .feed import LiveFeed
from .hub import Hub, Subscriber
from .index import ReplayIndex
from .replay import ReplayLimits, catch_up
from .settings import RealtimeSettings

logger = logging.getLogger(__name__)
router = APIRouter()

POLICY_VIOLATION = 1008  # the request itself is wrong; retrying it as is will not help
TRY_AGAIN_LATER = 1013  # the client should reconnect
TOO_MANY_CONNECTIONS = 4029  # the API key holds its most connections: close one first
TOO_SLOW = "client too slow; reconnect"
HISTORY_UNAVAILABLE = "event history unavailable; reconnect"
BAD_SINCE = "since must be a stream entry id such as 1732530000000-0"


class WebSocketStats(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "total_connections": 3,
                    "project_connections": {"my-project": 2, "another-project": 1},
                }
            ]
        }
    )

    total_connections: int
    project_connections: dict[str, int]


@router.websocket("/webhook/ws")
async def live_feed(
    websocket: WebSocket,
    project: Annotated[
        list[str], Query(description="Follow these projects; all when absent.")
    ] = [],  # noqa: B006
    since: Annotated[
        str | None,
        Query(description="Resume after this stream entry id: missed events come first."),
    ] = None,
    last_event_id: Annotated[
        str | None, Header(alias="Last-Event-ID", description="`since`, when that is absent.")
    ] = None,
) -> None:
    """Live task events of the chosen projects (every project when none is given)."""
    hub: Hub = websocket.app.state.hub
    settings: RealtimeSettings = websocket.app.state.settings
    registry: ConnectionRegistry = websocket.app.state.registry
    # Accepted first, so that a refusal reaches the client as a close code and reason.
    await websocket.accept()
    resume_from = since if since is not None else last_event_id
    try:
        position = None if resume_from is None else EntryId.parse(resume_from)
    except ValueError:
        await websocket.close(code=POLICY_VIOLATION, reason=BAD_SINCE)
        return
    key_name = identity_of(websocket.scope["headers"]).key_name or ""
    limit = settings.max_connections_per_key
    if not await registry.admit(key_name, limit):
        reason = f"this API key already has {limit} open connections; close one first"
        await websocket.close(code=TOO_MANY_CONNECTIONS, reason=reason)
        return
    subscriber = Subscriber(
        websocket, project, settings.client_queue_size, settings.client_send_timeout_seconds
    )
    hub.add(subscriber)  # before reading what was missed, so that nothing falls in between
    try:
        close_reason = await _first_to_end(
            _serve(subscriber, position, websocket.app.state, settings),
            _until_client_leaves(websocket),
            _until_too_slow(subscriber),
            subscriber.beat_forever(settings.heartbeat_seconds, hub),
        )
    finally:
        hub.remove(subscriber)
        registry.release(key_name)
    if close_reason is not None:
        # Bounded: the close of a client that stopped reading may never get through.
        with contextlib.suppress(Exception):
            async with asyncio.timeout(settings.client_send_timeout_seconds):
                await websocket.close(code=TRY_AGAIN_LATER, reason=close_reason)


async def _serve(
    subscriber: Subscriber, since: EntryId | None, state: Any, settings: RealtimeSettings
) -> str | None:
    """Send what the client missed since `since`, then live events; returns why the client
    must go, None if it left."""
    redis: Redis = state.redis
    index: ReplayIndex = state.index
    limits = ReplayLimits(settings.replay_max_events, settings.replay_max_scanned)
    try:
        if since is not None:
            try:
                await catch_up(subscriber, since, redis, settings.events_stream, index, limits)
            except (RedisError, OSError) as error:
                logger.warning("could not read missed events: %s", error)
                return HISTORY_UNAVAILABLE
        await subscriber.send_forever()
    except WebSocketDisconnect:
        return None


async def _until_client_leaves(websocket: WebSocket) -> None:
    """Read until the client disconnects; a text `ping` is answered with `pong`."""
    with contextlib.suppress(WebSocketDisconnect):
        async for text in websocket.iter_text():
            if text == "ping":
                await websocket.send_text("pong")


async def _until_too_slow(subscriber: Subscriber) -> str:
    await subscriber.until_too_slow()
    return TOO_SLOW


async def _first_to_end(*work: Coroutine[Any, Any, str | None]) -> str | None:
    """Run `work` together until one ends, and return what it returned."""
    tasks = [asyncio.create_task(coroutine) for coroutine in work]
    try:
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
    return done.pop().result()


@router.get(
    "/api/websocket/stats",
    tags=["realtime"],
    summary="Open WebSocket connections across all realtime replicas",
    response_model=WebSocketStats,
)
async def websocket_stats(request: Request) -> WebSocketStats:
    registry: ConnectionRegistry = request.app.state.registry
    total, per_project = await registry.totals()
    if (allowed := identity_of(request.scope["headers"]).projects) is not None:
        per_project = Counter({p: n for p, n in per_project.items() if p in allowed})
        total = per_project.total()
    return WebSocketStats(total_connections=total, project_connections=dict(per_project))


@router.get("/health", tags=["health"], summary="The realtime process is alive")
async def health() -> dict[str, str]:
    return {"status": "ok"}


@router.get(
    "/feed-check",
    tags=["health"],
    summary="The live feed reads the event stream",
    responses={503: {"description": "The feed is not reading (Redis away or starting)."}},
)
async def feed_check(request: Request) -> JSONResponse:
    feed: LiveFeed = request.app.state.feed
    if feed.running:
        return JSONResponse({"status": "ok", "feed": "running"})
    return JSONResponse({"status": "error", "feed": "stopped"}, status_code=503)

import asyncio
import contextlib
from collections import Counter
from typing import Annotated
from urllib.parse import unquote

from fastapi import APIRouter, Query, Request, WebSocket, WebSocketDisconnect
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict

from .connections import ConnectionRegistry
from .feed import LiveFeed
from .hub import Hub, Subscriber
from .settings import RealtimeSettings

router = APIRouter()

SLOW_CLIENT = 1013  # "try again later": the client fell behind and was dropped


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
) -> None:
    """Live task events of the chosen projects (every project when none is given)."""
    hub: Hub = websocket.app.state.hub
    settings: RealtimeSettings = websocket.app.state.settings
    await websocket.accept()
    subscriber = Subscriber(websocket, project, settings.client_queue_size)
    hub.add(subscriber)
    sending = asyncio.create_task(subscriber.send_forever(settings.client_send_timeout_seconds))
    receiving = asyncio.create_task(_until_client_leaves(websocket))
    overflowing = asyncio.create_task(subscriber.overflowed.wait())
    try:
        await asyncio.wait({sending, receiving, overflowing}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        hub.remove(subscriber)
        client_left = receiving.done()
        for task in (sending, receiving, overflowing):
            task.cancel()
        if not client_left:
            with contextlib.suppress(Exception):
                await websocket.close(code=SLOW_CLIENT, reason="client too slow; reconnect")


async def _until_client_leaves(websocket: WebSocket) -> None:
    """Read until the client disconnects; a text `ping` is answered with `pong`."""
    with contextlib.suppress(WebSocketDisconnect):
        async for text in websocket.iter_text():
            if text == "ping":
                await websocket.send_text("pong")


@router.get(
    "/api/websocket/stats",
    tags=["realtime"],
    summary="Open WebSocket connections across all realtime replicas",
    response_model=WebSocketStats,
)
async def websocket_stats(request: Request) -> WebSocketStats:
    registry: ConnectionRegistry = request.app.state.registry
    total, per_project = await registry.totals()
    if (limited := request.headers.get("x-auth-projects")) is not None:
        allowed = {unquote(name) for name in limited.split("|")}
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

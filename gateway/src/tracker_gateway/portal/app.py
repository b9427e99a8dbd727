"""The portal behind the gateway's public routes: `/health` for the whole system, and
`/docs`, `/redoc`, `/openapi.json` describing the whole public API."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

import httpx
from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from .health import OK, shared_checks
from .openapi import DOCUMENTED_SERVICES, fetch_documents, merge
from .settings import PortalSettings, get_portal_settings

DESCRIPTION = """\
AI agents report their work over webhooks; people watch it live, per project.

Every `/webhook/*` and `/api/*` route needs an API key in the `X-API-Key` header; the WebSocket
also takes it as the `api_key` query parameter. `/health`, `/db-check`, `/redis-check` and these
docs are public.
"""


class DeadLetters(BaseModel):
    count: int = Field(description="Events set aside, waiting to be re-driven or discarded.")
    oldest_age_seconds: int | None = Field(description="How long the oldest has waited.")


class SystemHealth(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "status": "degraded",
                    "checks": {
                        "ingest": "degraded",
                        "query": "ok",
                        "realtime": "ok",
                        "redis": "degraded",
                        "database": "ok",
                        "query worker": "ok",
                        "notify": "ok",
                        "live feed": "ok",
                    },
                    "replicas": {
                        "ingest.1": {"ingest": "ok", "redis": "ok"},
                        "ingest.2": {"ingest": "unreachable", "redis": "unreachable"},
                        "query": {"query": "ok", "database": "ok"},
                        "query-worker": {"query worker": "ok"},
                        "notify": {"notify": "ok"},
                        "realtime": {"realtime": "ok", "live feed": "ok"},
                    },
                    "checked_at": "2026-01-01T10:00:00.123456Z",
                    "dead_letters": {"count": 0, "oldest_age_seconds": None},
                }
            ]
        }
    )

    status: str = Field(
        description="`ok` when every check of every replica is; `down` when no replica of some "
        "service is up; `degraded` otherwise."
    )
    checks: dict[str, str] = Field(
        description="Each part over all replicas: `ok`, `degraded` (some replicas only), "
        "`unreachable` or `failing`."
    )
    replicas: dict[str, dict[str, str]] = Field(
        description="Each replica's own checks: `ok`, `unreachable` or `failing`. Replicas are "
        "named `<service>.<n>` in the order configured (`PORTAL_INGEST_URL`, ...), or by the "
        "service's name when it has one URL."
    )
    checked_at: datetime = Field(
        description="When these checks ran: answers are shared for `PORTAL_HEALTH_CACHE_SECONDS`."
    )
    dead_letters: DeadLetters | None = Field(
        default=None,
        description="Events the consumer set aside (`make dead-letters`, `GET /api/dead-letters`"
        " with an admin key); they do not make the status degraded. Null when the query service "
        "does not say.",
    )


def create_app(settings: PortalSettings | None = None) -> FastAPI:
    settings = settings or get_portal_settings()
    urls = settings.service_urls()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with httpx.AsyncClient(timeout=settings.check_timeout_seconds) as client:
            app.state.client = client
            app.state.checked = shared_checks(client, urls, settings.health_cache_seconds)
            yield
            await app.state.checked.cache_close()

    app = FastAPI(
        title="Agent Task Tracker",
        summary="Webhooks in, tasks, statistics and a live feed out.",
        description=DESCRIPTION,
        version="0.1.0",
        lifespan=lifespan,
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
    )

    @app.get(
        "/health",
        tags=["health"],
        summary="Every part of the system is up",
        response_model=SystemHealth,
        responses={503: {"description": "Some part or replica is down.", "model": SystemHealth}},
    )
    async def health(request: Request) -> JSONResponse:
        checked = await request.app.state.checked()
        body = SystemHealth(
            status=checked.status,
            checks=checked.checks,
            replicas=checked.replicas,
            checked_at=checked.at,
            dead_letters=checked.dead_letters,
        )
        return JSONResponse(
            body.model_dump(mode="json"), status_code=200 if body.status == OK else 503
        )

    @app.get("/openapi.json", include_in_schema=False)
    async def openapi(request: Request) -> dict[str, Any]:
        documents = await fetch_documents(request.app.state.client, urls, DOCUMENTED_SERVICES)
        return merge(app.openapi(), documents)

    @app.get("/docs", include_in_schema=False)
    async def swagger() -> HTMLResponse:
        return get_swagger_ui_html(openapi_url="/openapi.json", title="Agent Task Tracker")

    @app.get("/redoc", include_in_schema=False)
    async def redoc() -> HTMLResponse:
        return get_redoc_html(openapi_url="/openapi.json", title="Agent Task Tracker")

    return app

"""One OpenAPI document for the whole public API, assembled from the services' own documents."""

import asyncio
from typing import Any

import httpx

API_KEY_SCHEMES = {
    "APIKeyHeader": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
    "APIKeyQuery": {
        "type": "apiKey",
        "in": "query",
        "name": "api_key",
        "description": "Accepted on the WebSocket route only.",
    },
}
PROTECTED_PREFIXES = ("/webhook/", "/api/")
SERVICE_ONLY_PATHS = {"/health"}  # each service's liveness; the gateway's /health covers them

WEBSOCKET_PATH: dict[str, Any] = {
    "get": {
        "tags": ["realtime"],
        "summary": "Live task events over WebSocket",
        "description": (
            "Open a WebSocket to `ws://<host>:8000/webhook/ws?api_key=<key>&project=<name>`. "
            "`project` may repeat to follow several projects; without it every project's events "
            "arrive. Each message is JSON: `{type, data, timestamp, event_id}` with `type` one "
            "of `task_started`, `task_status`, `task_finished`, `task_error`. Send the text "
            "`ping` to get `pong`; the server also sends WebSocket pings. A client that falls "
            "behind is closed with code 1013 and should reconnect."
        ),
        "operationId": "live_feed",
        "parameters": [
            {"name": "api_key", "in": "query", "required": False, "schema": {"type": "string"}},
            {
                "name": "project",
                "in": "query",
                "required": False,
                "schema": {"type": "array", "items": {"type": "string"}},
                "style": "form",
                "explode": True,
            },
        ],
        "responses": {
            "101": {"description": "Switching to the WebSocket protocol."},
            "401": {"description": "Missing or invalid API key."},
        },
        "security": [{"APIKeyHeader": []}, {"APIKeyQuery": []}],
    }
}


async def fetch_documents(
    client: httpx.AsyncClient, urls: dict[str, str], services: tuple[str, ...]
) -> dict[str, dict[str, Any] | None]:
    async def fetch(service: str) -> dict[str, Any] | None:
        try:
            response = await client.get(urls[service] + "/openapi.json")
            response.raise_for_status()
            document: dict[str, Any] = response.json()
            return document
        except httpx.HTTPError:
            return None

    documents = await asyncio.gather(*(fetch(service) for service in services))
    return dict(zip(services, documents, strict=True))


def merge(portal: dict[str, Any], services: dict[str, dict[str, Any] | None]) -> dict[str, Any]:
    """The portal's own document, with every service's public paths and schemas added."""
    merged = {**portal, "paths": dict(portal.get("paths", {}))}
    components = merged.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    components["securitySchemes"] = API_KEY_SCHEMES
    missing = [name for name, document in services.items() if document is None]
    for document in filter(None, services.values()):
        for path, operations in document.get("paths", {}).items():
            if path not in SERVICE_ONLY_PATHS:
                merged["paths"][path] = _secured(path, operations)
        schemas.update(document.get("components", {}).get("schemas", {}))
    merged["paths"]["/webhook/ws"] = WEBSOCKET_PATH
    if missing:
        merged["info"] = {
            **merged["info"],
            "description": f"Incomplete: no answer from {', '.join(missing)}.",
        }
    return dict(merged)


def _secured(path: str, operations: dict[str, Any]) -> dict[str, Any]:
    if not path.startswith(PROTECTED_PREFIXES):
        return operations
    unauthorized = {"401": {"description": "Missing or invalid API key."}}
    return {
        method: {
            **operation,
            "security": [{"APIKeyHeader": []}],
            "responses": {**operation.get("responses", {}), **unauthorized},
        }
        for method, operation in operations.items()
    }

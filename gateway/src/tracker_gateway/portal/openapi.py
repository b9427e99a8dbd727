"""One OpenAPI document for the whole public API, assembled from the services' own documents."""

import asyncio
import json
import re
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
PROTECTED_PREFIXES = ("/webhook/", "/api/", "/v1/")
BODY_LIMITED_PREFIXES = ("/webhook/", "/v1/")  # Traefik's body limits (dynamic/routes.yml)
# `webhook-batch-body-limit` and `otlp-body-limit`; other webhooks 1 MiB (`webhook-body-limit`).
BODY_LIMITS = {
    "/webhook/batch": "10 MiB",
    "/v1/logs": "10 MiB",
    "/v1/metrics": "10 MiB",
    "/v1/traces": "10 MiB",
}
RAW_BODY_PREFIX = "/v1/"  # OTLP: ingest reads and answers these bodies itself, not FastAPI
HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
# Each service's liveness and readiness; the gateway's /health covers them.
SERVICE_ONLY_PATHS = {"/health", "/ready"}
DOCUMENTED_SERVICES = ("ingest", "query", "realtime", "notify")
"""The services whose documents make up the public one: those the gateway routes the API to."""

# `{"detail": "..."}`: what the key check answers, and FastAPI's HTTPException.
ERROR_SCHEMA_NAME = "ErrorDetail"
ERROR_SCHEMA: dict[str, Any] = {
    "title": ERROR_SCHEMA_NAME,
    "type": "object",
    "properties": {"detail": {"type": "string", "title": "Detail"}},
    "required": ["detail"],
}


def _json_error(description: str) -> dict[str, Any]:
    schema = {"$ref": f"#/components/schemas/{ERROR_SCHEMA_NAME}"}
    return {"description": description, "content": {"application/json": {"schema": schema}}}


# Answered by the gateway itself on every protected route, before any service sees the request.
# Traefik's own refusals (429 here, 413 below) are plain text without a Content-Type header.
GATEWAY_RESPONSES: dict[str, dict[str, Any]] = {
    "401": _json_error("Missing or invalid API key."),
    "403": _json_error(
        "The API key's scope does not allow this route, or the key is limited to other projects."
    ),
    "429": {
        "description": (
            "Too many requests with this API key. Answered by the gateway: the plain text "
            "`Too Many Requests`, without a Content-Type. Retry after `Retry-After` seconds."
        ),
        "headers": {
            "Retry-After": {
                "description": "Seconds to wait before retrying.",
                "schema": {"type": "integer"},
            }
        },
    },
}


def _body_too_large(path: str) -> dict[str, dict[str, Any]]:
    limit = BODY_LIMITS.get(path, "1 MiB")
    return {
        "413": {
            "description": (
                f"The body is larger than {limit}. Answered by the gateway: the plain text "
                "`Request Entity Too Large`, without a Content-Type."
            )
        }
    }


# FastAPI answers this, undocumented in the services' own documents, to a body it cannot
# decode at all (not UTF-8, for one); a body that decodes but is not valid JSON is a 422.
UNREADABLE_BODY: dict[str, dict[str, Any]] = {
    "400": _json_error("The body could not be read (for one, it is not valid UTF-8).")
}

WEBSOCKET_PATH: dict[str, Any] = {
    "get": {
        "tags": ["realtime"],
        "summary": "Live task events over WebSocket",
        "description": (
            "Open a WebSocket to `ws://<host>:8000/webhook/ws?api_key=<key>&project=<name>`. "
            "`project` may repeat to follow several projects; without it every project's events "
            "arrive. Each task message is JSON `{type, data, timestamp, event_id, id}` with "
            "`type` one of `task_started`, `task_status`, `task_finished`, `task_error`; `id` "
            "is the stream position. Resume after a disconnect with `since=<id>` (or the "
            "`Last-Event-ID` header): missed events are replayed, then `replay_complete`, or "
            "`resync_required` when they are no longer all kept or the replay passes its limits "
            "(`REPLAY_MAX_EVENTS`, `REPLAY_MAX_SCANNED`; possibly after some replayed events). "
            "`task_stale` announces a task that fell silent, `budget_crossed` a project "
            "whose spending crossed 80 % or 100 % of its budget; `heartbeat` arrives every 15 s "
            "with a resumable `last_id`. Send "
            "the text `ping` to get `pong`. Close codes: 1008 for a malformed `since`, 1013 "
            "for a client that fell behind or stopped reading (reconnect with `since`), 4029 when "
            "the API key already holds `MAX_CONNECTIONS_PER_KEY` connections (close one first)."
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
            {
                "name": "since",
                "in": "query",
                "required": False,
                "description": "Resume after this stream position (an `id` seen before).",
                "schema": {"type": "string", "pattern": "^[0-9]+(-[0-9]+)?$"},
            },
        ],
        "responses": {
            "101": {"description": "Switching to the WebSocket protocol."},
            **GATEWAY_RESPONSES,
        },
        "security": [{"APIKeyHeader": []}, {"APIKeyQuery": []}],
    }
}


async def fetch_documents(
    client: httpx.AsyncClient, urls: dict[str, list[str]], services: tuple[str, ...]
) -> dict[str, dict[str, Any] | None]:
    """Each service's document, from the first of its replicas that gives it."""

    async def fetch(service: str) -> dict[str, Any] | None:
        for url in urls[service]:
            try:
                response = await client.get(url + "/openapi.json")
                response.raise_for_status()
                document: dict[str, Any] = response.json()
                return document
            except httpx.HTTPError:
                continue
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
                merged["paths"][path] = _with_gateway_responses(path, operations)
        # Requests the system sends (the notify service's outgoing webhooks), as OpenAPI 3.1
        # documents them: the receiver's side, so no gateway responses are added.
        if outgoing := document.get("webhooks"):
            merged["webhooks"] = {**merged.get("webhooks", {}), **outgoing}
        schemas.update(_public_schemas(document))
    schemas[ERROR_SCHEMA_NAME] = ERROR_SCHEMA
    merged["paths"]["/webhook/ws"] = WEBSOCKET_PATH
    if missing:
        merged["info"] = {
            **merged["info"],
            "description": f"Incomplete: no answer from {', '.join(missing)}.",
        }
    return dict(merged)


def _public_schemas(document: dict[str, Any]) -> dict[str, Any]:
    """The schemas a service's public paths and webhooks use, directly or through others: not
    those of its own /health and /ready, whose names other services' schemas may share."""
    schemas: dict[str, Any] = document.get("components", {}).get("schemas", {})
    public = [
        operations
        for path, operations in document.get("paths", {}).items()
        if path not in SERVICE_ONLY_PATHS
    ]
    pending: list[Any] = [*public, document.get("webhooks", {})]
    used: set[str] = set()
    while pending:
        for name in re.findall(r'"#/components/schemas/([^"]+)"', json.dumps(pending.pop())):
            if name not in used and name in schemas:
                used.add(name)
                pending.append(schemas[name])
    return {name: schema for name, schema in schemas.items() if name in used}


def _with_gateway_responses(path: str, operations: dict[str, Any]) -> dict[str, Any]:
    """Each operation as the gateway serves it: with the key check's security and the answers
    the gateway and the framework give on top of what the service documents."""
    protected = path.startswith(PROTECTED_PREFIXES)
    merged: dict[str, Any] = {}
    for method, operation in operations.items():
        if method not in HTTP_METHODS:  # path-level `parameters`, `summary`, ...
            merged[method] = operation
            continue
        added: dict[str, dict[str, Any]] = {}
        if "requestBody" in operation and not path.startswith(RAW_BODY_PREFIX):
            added |= UNREADABLE_BODY
            if path.startswith(BODY_LIMITED_PREFIXES):
                added |= _body_too_large(path)
        if protected:
            added |= GATEWAY_RESPONSES
        responses = dict(operation.get("responses", {}))
        for status, response in added.items():
            responses[status] = _combined(response, responses.get(status))
        merged[method] = {**operation, "responses": responses}
        if protected:
            merged[method]["security"] = [{"APIKeyHeader": []}]
    return merged


def _combined(added: dict[str, Any], documented: dict[str, Any] | None) -> dict[str, Any]:
    """One response for a status that both the gateway and the service may give: the service's
    own content and headers stand, and both descriptions are kept."""
    if documented is None:
        return added
    combined = {**added, **documented}
    descriptions = [added.get("description"), documented.get("description")]
    combined["description"] = " ".join(dict.fromkeys(d for d in descriptions if d))
    return combined

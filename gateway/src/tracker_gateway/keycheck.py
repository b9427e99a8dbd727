"""The API-key check Traefik's ForwardAuth calls before every protected request.

A pure ASGI app, keys in memory, no I/O: it is on the path of every request.
- The key comes from the `X-API-Key` header; on the WebSocket route (`/webhook/ws`) also from
  the `api_key` query parameter of the original URI (`X-Forwarded-Uri`).
- Its scope must allow the original method (`X-Forwarded-Method`) and path: `ingest` posts
  webhooks, `read` reads `/api/` and opens the WebSocket, `admin` may do anything.
- A key limited to projects may name only those in `/api/projects/{project}`, and must name
  them on the WebSocket (`?project=`); elsewhere the services enforce the list they receive.
- 200 lets the request through with `X-Auth-Key-Name`, `X-Auth-Key-Scope` and, for a key limited
  to projects, `X-Auth-Projects` (URL-encoded names joined by `|`): Traefik forwards these.
  A missing or unknown key is `401`, a known one outside its scope or projects `403`, each with
  a JSON `detail` that Traefik returns to the client.
"""

import json
import re
from collections.abc import Sequence
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlsplit

from pydantic import ValidationError

from .keys import SCOPES, ApiKey, KeyRing, Scope, get_key_settings

KEY_NAME_HEADER = b"x-auth-key-name"
KEY_SCOPE_HEADER = b"x-auth-key-scope"
PROJECTS_HEADER = b"x-auth-projects"
WEBSOCKET_PATH = "/webhook/ws"
READ_METHODS = frozenset({"GET", "HEAD"})
PROJECT_PATH = re.compile(r"/api/projects/([^/]+)")

AsgiScope = dict[str, Any]
Message = dict[str, Any]


class KeyCheck:
    def __init__(self, keys: KeyRing) -> None:
        self.keys = keys

    async def __call__(self, scope: AsgiScope, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            await _run_lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        if scope["path"] == "/health":
            await _respond(send, 200, {"status": "ok"})
            return
        headers = dict(scope["headers"])
        method = headers.get(b"x-forwarded-method", b"").decode("latin-1").upper()
        uri = urlsplit(headers.get(b"x-forwarded-uri", b"").decode("latin-1"))
        # The path as the services will route it: percent-decoded.
        path = unquote(uri.path)
        presented = headers.get(b"x-api-key") or _query_key(path, uri.query)
        if not presented:
            await _respond(send, 401, {"detail": "Missing API key: send the X-API-Key header."})
            return
        key = self.keys.match(presented)
        if key is None:
            await _respond(send, 401, {"detail": "Invalid API key."})
            return
        if not allows(key.scope, method, path):
            needed = " or ".join(s for s in SCOPES if allows(s, method, path))
            detail = (
                f"The key {key.name!r} has the {key.scope!r} scope; "
                f"{method} {path} needs the {needed} scope."
            )
            await _respond(send, 403, {"detail": detail})
            return
        if refusal := _outside_projects(key, path, uri.query):
            await _respond(send, 403, {"detail": refusal})
            return
        await _respond(send, 200, {"key": key.name, "scope": key.scope}, _identity(key))


def allows(scope: Scope, method: str, path: str) -> bool:
    if scope == "ingest":
        return method == "POST" and path.startswith("/webhook/") and path != WEBSOCKET_PATH
    if scope == "read":
        return method in READ_METHODS and (path.startswith("/api/") or path == WEBSOCKET_PATH)
    return scope == "admin"


def _outside_projects(key: ApiKey, path: str, query: str) -> str | None:
    """Why the request reaches past the projects the key is limited to; None when it does not."""
    if key.projects is None:
        return None
    if path == WEBSOCKET_PATH:
        wanted = parse_qs(query, keep_blank_values=True).get("project", [])
        if not wanted:
            return f"The key {key.name!r} is limited to some projects: name them with ?project=."
    elif named := PROJECT_PATH.match(path):
        wanted = [named[1]]
    else:
        return None
    outside = [project for project in wanted if project not in key.projects]
    if outside:
        return f"The key {key.name!r} may not access the project {outside[0]!r}."
    return None


def _identity(key: ApiKey) -> list[tuple[bytes, bytes]]:
    """The headers Traefik copies onto the request it forwards."""
    headers = [(KEY_NAME_HEADER, key.name.encode()), (KEY_SCOPE_HEADER, key.scope.encode())]
    if key.projects is not None:
        projects = "|".join(quote(project, safe="") for project in sorted(key.projects))
        headers.append((PROJECTS_HEADER, projects.encode()))
    return headers


def _query_key(path: str, query: str) -> str | None:
    """The `api_key` query parameter, accepted on the WebSocket route only."""
    if path != WEBSOCKET_PATH:
        return None
    values = parse_qs(query).get("api_key")
    return values[0] if values else None


async def _respond(
    send: Any, status: int, body: dict[str, str], headers: Sequence[tuple[bytes, bytes]] = ()
) -> None:
    content = json.dumps(body).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(content)).encode()),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": content})


async def _run_lifespan(receive: Any, send: Any) -> None:
    while True:
        message: Message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


def create_app() -> KeyCheck:
    """The ASGI app for uvicorn (`--factory`); refuses to start without valid keys."""
    try:
        keys = KeyRing(get_key_settings().keys())
    except ValidationError as invalid:
        reasons = "; ".join(
            error["msg"].removeprefix("Value error, ") for error in invalid.errors()
        )
        raise SystemExit(f"Invalid API key configuration: {reasons}") from None
    if not keys:
        raise SystemExit("No API key configured: set API_KEY (or API_KEYS=name:scope:key,...).")
    return KeyCheck(keys)

"""The API-key check Traefik's ForwardAuth calls before every protected request.

A pure ASGI app, keys in memory, no I/O: it is on the path of every request.
- The key comes from the `X-API-Key` header; on the WebSocket route (`/webhook/ws`) also from
  the `api_key` query parameter of the original URI (`X-Forwarded-Uri`).
- 200 with `X-Auth-Key-Name: <name>` lets the request through (Traefik forwards that header);
  anything else is answered `401` with a JSON body, which Traefik returns to the client.
"""

import json
from collections.abc import Sequence
from typing import Any
from urllib.parse import parse_qs, urlsplit

from .keys import KeyRing, get_key_settings

KEY_NAME_HEADER = b"x-auth-key-name"
WEBSOCKET_PATH = "/webhook/ws"

Scope = dict[str, Any]
Message = dict[str, Any]


class KeyCheck:
    def __init__(self, keys: KeyRing) -> None:
        self.keys = keys

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            await _run_lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        if scope["path"] == "/health":
            await _respond(send, 200, {"status": "ok"})
            return
        headers = dict(scope["headers"])
        presented = headers.get(b"x-api-key") or _query_key(headers.get(b"x-forwarded-uri"))
        if not presented:
            await _respond(send, 401, {"detail": "Missing API key: send the X-API-Key header."})
            return
        name = self.keys.name_of(presented)
        if name is None:
            await _respond(send, 401, {"detail": "Invalid API key."})
            return
        await _respond(send, 200, {"key": name}, [(KEY_NAME_HEADER, name.encode())])


def _query_key(forwarded_uri: bytes | None) -> str | None:
    """The `api_key` query parameter, accepted on the WebSocket route only."""
    if not forwarded_uri:
        return None
    uri = urlsplit(forwarded_uri.decode("latin-1"))
    if uri.path != WEBSOCKET_PATH:
        return None
    values = parse_qs(uri.query).get("api_key")
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
    """The ASGI app for uvicorn (`--factory`); refuses to start without any key configured."""
    keys = KeyRing(get_key_settings().named_keys())
    if not keys:
        raise SystemExit("No API key configured: set API_KEY (or API_KEYS=name:key,...).")
    return KeyCheck(keys)

"""The common webhook, answered without FastAPI's routing, dependency and response layers.

Those layers cost more CPU than validating and storing the event itself. A `POST` of a JSON
body to one of the four webhooks, without an `Idempotency-Key` header, is parsed here and
handed to `accepting.accept`, as the route would hand it; this middleware only frames: it
reads the body, writes the `202`, and answers a refusal with `answers.answer`, as the app's
exception handlers do. Everything else — other routes, bodies that are not a valid webhook,
idempotency keys, larger bodies — goes on to the FastAPI app with its body replayed, so FastAPI
answers those as documented.
"""

import json
from typing import Any

from pydantic import ValidationError
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tracker_contracts import WEBHOOK_FOR_KIND

from .accepting import accept
from .answers import ANSWERED, answer

WEBHOOK_FOR_PATH = {f"/webhook/{kind}": model for kind, model in WEBHOOK_FOR_KIND.items()}
_LARGEST_FAST_BODY = 64 * 1024  # larger bodies are rare: the app reads them
_JSON_HEADERS = [(b"content-type", b"application/json")]
_REPLAYED_HEADER = (b"idempotent-replayed", b"true")


class WebhookFastPath:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        model = WEBHOOK_FOR_PATH.get(scope["path"]) if scope["type"] == "http" else None
        if model is None or scope["method"] != "POST" or not _takes_fast_path(scope):
            await self.app(scope, receive, send)
            return
        body, complete = await _read_body(receive)
        document = _json(body) if complete else None
        if document is None:
            await self.app(scope, _replaying(body, complete, receive), send)
            return
        connection = HTTPConnection(scope)
        try:
            acceptance = await accept(connection, model, document, None)
        except ValidationError:  # not a valid webhook: FastAPI names what is wrong
            await self.app(scope, _replaying(body, complete, receive), send)
            return
        except ANSWERED as refusal:
            await (await answer(connection, refusal))(scope, receive, send)
            return
        content = b'{"event_id":"%s"}' % str(acceptance.event_id).encode()
        headers = [*_JSON_HEADERS, (b"content-length", b"%d" % len(content))]
        if acceptance.replayed:
            headers.append(_REPLAYED_HEADER)
        await send({"type": "http.response.start", "status": 202, "headers": headers})
        await send({"type": "http.response.body", "body": content})


def _takes_fast_path(scope: Scope) -> bool:
    """A JSON body (as FastAPI reads one) and no idempotency key."""
    content_type: bytes | None = None
    for name, value in scope["headers"]:
        if name == b"idempotency-key":
            return False
        if name == b"content-type":
            content_type = value
    if content_type is None:
        return False
    media_type = content_type.split(b";", 1)[0].strip().lower()
    return media_type == b"application/json" or (
        media_type.startswith(b"application/") and media_type.endswith(b"+json")
    )


async def _read_body(receive: Receive) -> tuple[bytes, bool]:
    """The body, and whether it is all of it (False: larger than the fast path reads)."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":  # the client left: let the app see it
            return b"".join(chunks), False
        chunk = message.get("body", b"")
        chunks.append(chunk)
        size += len(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks), True
        if size > _LARGEST_FAST_BODY:
            return b"".join(chunks), False


def _json(body: bytes) -> Any:
    """The body parsed as FastAPI parses a JSON body, or None when it is not JSON."""
    try:
        return json.loads(body)
    except ValueError:  # the app answers with the details
        return None


def _replaying(body: bytes, complete: bool, receive: Receive) -> Receive:
    """`receive` for the app: what was read so far, then the rest of the request."""
    replayed = False

    async def replay() -> Message:
        nonlocal replayed
        if replayed:
            return await receive()
        replayed = True
        return {"type": "http.request", "body": body, "more_body": not complete}

    return replay

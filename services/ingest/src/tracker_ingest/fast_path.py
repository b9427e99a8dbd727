"""The common webhook, answered without FastAPI's routing, dependency and response layers.

Those layers cost more CPU than validating and storing the event itself. A `POST` of a JSON
body to one of the four webhooks, without an `Idempotency-Key` header, that validates and is
within the key's projects is published and answered `202` here. Everything else — other
routes, bodies that fail validation, idempotency keys, refused projects — goes on to the
FastAPI app with its body replayed, so every error is answered by the one documented path.
Failures of the publish itself are answered by the app's own exception handlers.
"""

import json
from typing import Any

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tracker_contracts import WEBHOOK_FOR_KIND, Webhook

from .routes import allowed_projects, publisher_of

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
        webhook = _parsed(model, body) if complete else None
        request = Request(scope, receive)
        allowed = allowed_projects(request)
        if webhook is None or (allowed is not None and webhook.project not in allowed):
            await self.app(scope, _replaying(body, complete, receive), send)
            return
        try:
            acceptance = await publisher_of(request).publish(webhook, None)
        except Exception as error:
            handler = _handler_for(scope["app"], error)
            if handler is None:
                raise
            await (await handler(request, error))(scope, receive, send)
            return
        content = b'{"event_id":"%s"}' % str(acceptance.event_id).encode()
        headers = [*_JSON_HEADERS, (b"content-length", b"%d" % len(content))]
        if acceptance.replayed:
            headers.append(_REPLAYED_HEADER)
        await send({"type": "http.response.start", "status": 202, "headers": headers})
        await send({"type": "http.response.body", "body": content})


def _handler_for(app: Any, error: Exception) -> Any:
    """The app's exception handler for `error`, found as Starlette finds it (by class)."""
    for cls in type(error).__mro__:
        if cls in app.exception_handlers:
            return app.exception_handlers[cls]
    return None


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


def _parsed(model: type[Webhook], body: bytes) -> Webhook | None:
    """The webhook exactly as FastAPI would validate it (JSON parsed, then the model), or None."""
    try:
        document: Any = json.loads(body)
        return model.model_validate(document)
    except ValueError:  # not JSON, or a ValidationError: the app answers with the details
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

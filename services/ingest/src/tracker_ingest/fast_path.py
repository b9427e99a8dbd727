"""The common webhook, answered without FastAPI's dependency and response layers.

Those layers cost more CPU than validating and storing the event itself. The four webhook
routes are `WebhookRoute`s: a `POST` of a JSON body without an `Idempotency-Key` header is
parsed and handed to `accepting.accept` (as the route's own function would hand it) and its
`202` written directly. Everything else — bodies that are not a valid webhook, idempotency
keys, other media types — goes on to FastAPI's handler of the same route, which reads the same
(cached) body, so FastAPI answers those as documented. Both run inside the route, so whatever
`accept` raises (a refused project, Redis failing) is answered by the app's exception handlers.
"""

import json
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute
from pydantic import ValidationError

from tracker_contracts import WEBHOOK_FOR_KIND, EventKind

from .accepting import accept

_REPLAYED = {"Idempotent-Replayed": "true"}


class WebhookRoute(APIRoute):
    """A webhook route (`/webhook/<kind>`) with the fast path in front of its handler."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        documented = super().get_route_handler()
        model = WEBHOOK_FOR_KIND[EventKind(self.path_format.rsplit("/", 1)[-1])]

        async def handle(request: Request) -> Response:
            if not _takes_fast_path(request):
                return await documented(request)
            document = _json(await request.body())
            if document is None:
                return await documented(request)
            try:
                acceptance = await accept(request, model, document, None)
            except ValidationError:  # not a valid webhook: FastAPI names what is wrong
                return await documented(request)
            content = b'{"event_id":"%s"}' % str(acceptance.event_id).encode()
            headers = _REPLAYED if acceptance.replayed else None
            return Response(content, 202, headers, media_type="application/json")

        return handle


def _takes_fast_path(request: Request) -> bool:
    """A JSON body (as FastAPI reads one) and no idempotency key."""
    content_type: bytes | None = None
    for name, value in request.scope["headers"]:
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


def _json(body: bytes) -> Any:
    """The body parsed as FastAPI parses a JSON body, or None when it is not JSON."""
    try:
        return json.loads(body)
    except ValueError:
        return None

"""Who is calling: the identity the gateway stamps on every protected request it lets through.

The gateway checks the API key and replaces whatever the client sent under these names with
the key's name, its scope and, for a key limited to some projects, those projects
(URL-encoded names joined by `|`). The services trust these headers only because the gateway
is the one way in; `GatewayIdentityGuard` refuses a protected request that arrives without
them, so a request that bypassed the gateway is never served as if it had been checked.
"""

import json
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, unquote

KEY_NAME_HEADER = "X-Auth-Key-Name"
KEY_SCOPE_HEADER = "X-Auth-Key-Scope"
PROJECTS_HEADER = "X-Auth-Projects"
IDENTITY_HEADERS = (KEY_NAME_HEADER, KEY_SCOPE_HEADER, PROJECTS_HEADER)

_KEY_NAME = KEY_NAME_HEADER.lower().encode()
_KEY_SCOPE = KEY_SCOPE_HEADER.lower().encode()
_PROJECTS = PROJECTS_HEADER.lower().encode()

_Scope = MutableMapping[str, Any]
_Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
_Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
_App = Callable[[_Scope, _Receive, _Send], Awaitable[None]]


def encode_projects(projects: Iterable[str]) -> str:
    """The `X-Auth-Projects` value for a key limited to `projects`."""
    return "|".join(quote(project, safe="") for project in sorted(projects))


def decode_projects(value: str | None) -> frozenset[str] | None:
    """The projects an `X-Auth-Projects` value names; None (no header) means every project."""
    if value is None:
        return None
    return frozenset(unquote(name) for name in value.split("|") if name)


@dataclass(frozen=True)
class Identity:
    """Who is calling, as the gateway's identity headers say; None where a header is absent."""

    key_name: str | None = None
    scope: str | None = None
    projects: frozenset[str] | None = None
    """The projects the key is limited to; None for a key that sees every project."""

    def allows(self, project: str) -> bool:
        """Whether the key may post to or read `project`."""
        return self.projects is None or project in self.projects


def identity_of(headers: Iterable[tuple[bytes, bytes]]) -> Identity:
    """The identity in raw ASGI headers (lower-case names, as servers give them)."""
    key_name = scope = projects = None
    for name, value in headers:
        if name == _KEY_NAME:
            key_name = value.decode("latin-1")
        elif name == _KEY_SCOPE:
            scope = value.decode("latin-1")
        elif name == _PROJECTS:
            projects = value.decode("latin-1")
    return Identity(key_name, scope, decode_projects(projects))


GATEWAY_IDENTITY_SWITCH = (
    "Refuse protected requests that arrive without the gateway's identity headers (401). "
    "Set false only for direct local access to the service, never where it is reachable "
    "other than through the gateway."
)
REFUSAL = (
    "This service answers protected requests only through the gateway, which checks the API "
    "key: send the request to the gateway. (For direct local access, start the service with "
    "REQUIRE_GATEWAY_IDENTITY=false.)"
)


class GatewayIdentityGuard:
    """ASGI middleware: a request to a path under `protected` without the gateway's identity is
    answered 401 (a WebSocket handshake is refused) and never reaches the app."""

    def __init__(self, app: _App, *, protected: tuple[str, ...], required: bool = True) -> None:
        self.app = app
        self.protected = protected
        self.required = required

    async def __call__(self, scope: _Scope, receive: _Receive, send: _Send) -> None:
        if (
            self.required
            and scope["type"] in ("http", "websocket")
            and scope["path"].startswith(self.protected)
            and not any(name == _KEY_NAME for name, _ in scope["headers"])
        ):
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": 1008, "reason": "no gateway"})
                return
            body = json.dumps({"detail": REFUSAL}).encode()
            headers = [
                (b"content-type", b"application/json"),
                (b"content-length", b"%d" % len(body)),
            ]
            await send({"type": "http.response.start", "status": 401, "headers": headers})
            await send({"type": "http.response.body", "body": body})
            return
        await self.app(scope, receive, send)

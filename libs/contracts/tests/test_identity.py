"""The gateway's identity headers: the projects' encoding, and the guard that fails closed."""

from typing import Any

import httpx
import pytest

from tracker_contracts import (
    KEY_NAME_HEADER,
    KEY_SCOPE_HEADER,
    PROJECTS_HEADER,
    GatewayIdentityGuard,
    Identity,
    decode_projects,
    encode_projects,
    identity_of,
)

IDENTITY = {KEY_NAME_HEADER: "agent", KEY_SCOPE_HEADER: "ingest"}


def test_projects_round_trip_through_the_header() -> None:
    projects = {"alpha", "a|b", "50% off", "café", "x,y:z"}
    value = encode_projects(projects)
    assert value.count("|") == len(projects) - 1
    assert decode_projects(value) == projects
    assert decode_projects(None) is None
    assert decode_projects("a||b|") == {"a", "b"}  # empty names name no project


def test_the_identity_is_read_from_raw_headers() -> None:
    raw = [
        (b"x-auth-key-name", b"agent"),
        (b"x-auth-key-scope", b"ingest"),
        (PROJECTS_HEADER.lower().encode(), encode_projects({"a", "b c"}).encode()),
        (b"x-other", b"ignored"),
    ]
    identity = identity_of(raw)
    assert identity == Identity("agent", "ingest", frozenset({"a", "b c"}))
    assert identity.allows("b c")
    assert not identity.allows("d")
    assert identity_of([]) == Identity()
    assert Identity().allows("anything")


async def _reached(scope: dict[str, Any], receive: Any, send: Any) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"reached"})


def _client(required: bool = True) -> httpx.AsyncClient:
    guard = GatewayIdentityGuard(_reached, protected=("/api/", "/webhook/"), required=required)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=guard), base_url="http://svc")


@pytest.mark.parametrize("path", ["/api/projects", "/webhook/start"])
async def test_a_protected_path_without_the_gateway_identity_is_refused(path: str) -> None:
    async with _client() as client:
        refused = await client.post(path, headers={"X-API-Key": "a-real-looking-key"})
        assert refused.status_code == 401
        assert "through the gateway" in refused.json()["detail"]
        assert "REQUIRE_GATEWAY_IDENTITY=false" in refused.json()["detail"]
        allowed = await client.post(path, headers=IDENTITY)
        assert (allowed.status_code, allowed.text) == (200, "reached")


async def test_public_paths_and_the_local_switch_let_requests_through() -> None:
    async with _client() as client:
        assert (await client.get("/health")).text == "reached"
        assert (await client.get("/apix")).text == "reached"
    async with _client(required=False) as client:
        assert (await client.get("/api/projects")).text == "reached"


async def test_a_websocket_handshake_without_the_gateway_identity_is_closed() -> None:
    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    async def receive() -> dict[str, Any]:
        return {"type": "websocket.connect"}

    guard = GatewayIdentityGuard(_reached, protected=("/webhook/ws",))
    scope = {"type": "websocket", "path": "/webhook/ws", "headers": []}
    await guard(scope, receive, send)
    assert [message["type"] for message in sent] == ["websocket.close"]

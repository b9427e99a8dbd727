"""The key check as ForwardAuth calls it: a GET carrying the original request's headers."""

from collections.abc import AsyncIterator

import httpx
import pytest
from pydantic import ValidationError

from tracker_gateway.keycheck import KeyCheck
from tracker_gateway.keys import KeyRing, KeySettings

KEYS = {"default": "s3cret-default", "dashboard": "s3cret-dashboard"}


@pytest.fixture
async def keycheck() -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=KeyCheck(KeyRing(KEYS)))
    async with httpx.AsyncClient(transport=transport, base_url="http://keycheck") as client:
        yield client


async def check(client: httpx.AsyncClient, uri: str, key: str | None = None) -> httpx.Response:
    headers = {"X-Forwarded-Uri": uri, "X-Forwarded-Method": "GET"}
    if key is not None:
        headers["X-API-Key"] = key
    return await client.get("/auth", headers=headers)


async def test_a_known_key_passes_with_its_name(keycheck) -> None:
    response = await check(keycheck, "/api/stats", "s3cret-dashboard")
    assert response.status_code == 200
    assert response.headers["x-auth-key-name"] == "dashboard"


@pytest.mark.parametrize("key", ["wrong", "s3cret-default ", "S3CRET-DEFAULT", ""])
async def test_an_unknown_key_is_401_with_a_json_reason(keycheck, key) -> None:
    response = await check(keycheck, "/api/stats", key)
    assert response.status_code == 401
    assert "x-auth-key-name" not in response.headers
    assert response.json()["detail"]


async def test_a_missing_key_is_401_saying_what_to_send(keycheck) -> None:
    response = await check(keycheck, "/webhook/start")
    assert response.status_code == 401
    assert "X-API-Key" in response.json()["detail"]


async def test_the_websocket_takes_the_key_from_its_query(keycheck) -> None:
    response = await check(keycheck, "/webhook/ws?project=a&api_key=s3cret-default")
    assert response.status_code == 200
    assert response.headers["x-auth-key-name"] == "default"


async def test_other_routes_ignore_a_key_in_the_query(keycheck) -> None:
    assert (await check(keycheck, "/api/stats?api_key=s3cret-default")).status_code == 401


async def test_health_needs_no_key(keycheck) -> None:
    assert (await keycheck.get("/health")).status_code == 200


def test_keys_come_from_api_key_and_api_keys() -> None:
    settings = KeySettings(api_key="k0", api_keys="ci:k1, dashboard:k2")
    assert settings.named_keys() == {"default": "k0", "ci": "k1", "dashboard": "k2"}


def test_malformed_api_keys_are_refused() -> None:
    with pytest.raises(ValidationError):
        KeySettings(api_keys="no-name-here")


def test_keys_do_not_show_in_settings_output() -> None:
    settings = KeySettings(api_key="k0-visible?", api_keys="ci:k1-visible?")
    assert "visible" not in repr(settings) + str(settings)

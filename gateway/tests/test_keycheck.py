"""The key check as ForwardAuth calls it: a GET carrying the original request's headers."""

import hashlib
from collections.abc import AsyncIterator

import httpx
import pytest

from tracker_gateway import keycheck as keycheck_module
from tracker_gateway.keycheck import KeyCheck, create_app
from tracker_gateway.keys import KeyRing, KeySettings

HASHED = "sha256:" + hashlib.sha256(b"s3cret-hashed").hexdigest()
API_KEYS = ",".join(
    [
        "ci:ingest:s3cret-ingest",
        "dashboard:read:s3cret-read",
        "ops:admin:s3cret-admin",
        "legacy:s3cret-legacy",
        "team:read:s3cret-team:alpha|be%7Cta",
        "team-admin:admin:s3cret-team-admin:alpha",
        f"hashed:ingest:{HASHED}",
    ]
)
SECRETS = {
    "default": "s3cret-default",
    "ci": "s3cret-ingest",
    "dashboard": "s3cret-read",
    "ops": "s3cret-admin",
    "legacy": "s3cret-legacy",
    "team": "s3cret-team",
    "team-admin": "s3cret-team-admin",
}


def configured(**values: str | None) -> KeySettings:
    """Settings from these values only, not from the environment or a .env file."""
    return KeySettings(_env_file=None, **{"api_key": None, "api_keys": None, **values})


@pytest.fixture
async def keycheck() -> AsyncIterator[httpx.AsyncClient]:
    keys = KeyRing(configured(api_key=SECRETS["default"], api_keys=API_KEYS).keys())
    transport = httpx.ASGITransport(app=KeyCheck(keys))
    async with httpx.AsyncClient(transport=transport, base_url="http://keycheck") as client:
        yield client


async def check(
    client: httpx.AsyncClient, uri: str, key: str | None = None, method: str = "GET"
) -> httpx.Response:
    headers = {"X-Forwarded-Uri": uri, "X-Forwarded-Method": method}
    if key is not None:
        headers["X-API-Key"] = key
    return await client.get("/auth", headers=headers)


# --- Who the key is -------------------------------------------------------------------------


async def test_a_known_key_passes_with_its_name_and_scope(keycheck) -> None:
    response = await check(keycheck, "/api/stats", "s3cret-read")
    assert response.status_code == 200
    assert response.headers["x-auth-key-name"] == "dashboard"
    assert response.headers["x-auth-key-scope"] == "read"


@pytest.mark.parametrize("key", ["wrong", "s3cret-read ", "S3CRET-READ", "", HASHED])
async def test_an_unknown_key_is_401_with_a_json_reason(keycheck, key) -> None:
    response = await check(keycheck, "/api/stats", key)
    assert response.status_code == 401
    assert "x-auth-key-name" not in response.headers
    assert response.json()["detail"]


async def test_an_unknown_key_is_401_even_where_no_scope_would_pass(keycheck) -> None:
    response = await check(keycheck, "/api/projects/alpha", "wrong", method="DELETE")
    assert response.status_code == 401


async def test_a_missing_key_is_401_saying_what_to_send(keycheck) -> None:
    response = await check(keycheck, "/webhook/start", method="POST")
    assert response.status_code == 401
    assert "X-API-Key" in response.json()["detail"]


async def test_the_websocket_takes_the_key_from_its_query(keycheck) -> None:
    response = await check(keycheck, "/webhook/ws?project=a&api_key=s3cret-read")
    assert response.status_code == 200
    assert response.headers["x-auth-key-name"] == "dashboard"


async def test_other_routes_ignore_a_key_in_the_query(keycheck) -> None:
    assert (await check(keycheck, "/api/stats?api_key=s3cret-read")).status_code == 401


async def test_health_needs_no_key(keycheck) -> None:
    assert (await keycheck.get("/health")).status_code == 200


@pytest.mark.parametrize(("name", "scope"), [("default", "admin"), ("legacy", "admin")])
async def test_api_key_and_name_key_entries_are_admin(keycheck, name, scope) -> None:
    response = await check(keycheck, "/api/projects/x", SECRETS[name], method="DELETE")
    assert response.status_code == 200
    assert (response.headers["x-auth-key-name"], response.headers["x-auth-key-scope"]) == (
        name,
        scope,
    )


async def test_a_key_configured_by_its_hash_is_matched_by_the_key_itself(keycheck) -> None:
    response = await check(keycheck, "/webhook/start", "s3cret-hashed", method="POST")
    assert response.status_code == 200
    assert response.headers["x-auth-key-name"] == "hashed"
    assert response.headers["x-auth-key-scope"] == "ingest"


# --- What the key's scope allows ------------------------------------------------------------

WEBHOOKS = ["/webhook/start", "/webhook/status", "/webhook/finish", "/webhook/error"]
READS = ["/api/projects", "/api/projects/alpha/tasks?limit=1", "/api/stats", "/api/websocket/stats"]
ADMIN_ONLY = [
    ("PUT", "/api/projects/alpha/settings"),
    ("PATCH", "/api/projects/alpha/settings"),
    ("DELETE", "/api/projects/alpha"),
    ("POST", "/api/projects"),
]

ALLOWED = [
    *[("ingest", "POST", path) for path in WEBHOOKS],
    *[("read", method, path) for path in READS for method in ("GET", "HEAD")],
    ("read", "GET", "/webhook/ws?project=alpha"),
    *[("admin", "POST", path) for path in WEBHOOKS],
    *[("admin", "GET", path) for path in READS],
    ("admin", "GET", "/webhook/ws"),
    *[("admin", method, path) for method, path in ADMIN_ONLY],
]
SCOPE_KEYS = {"ingest": "s3cret-ingest", "read": "s3cret-read", "admin": "s3cret-admin"}


@pytest.mark.parametrize(("scope", "method", "uri"), ALLOWED)
async def test_each_scope_passes_on_its_routes(keycheck, scope, method, uri) -> None:
    response = await check(keycheck, uri, SCOPE_KEYS[scope], method=method)
    assert response.status_code == 200
    assert response.headers["x-auth-key-scope"] == scope


DENIED = [
    # scope, method, uri, the scopes the detail names as needed
    *[("ingest", "GET", path, "read or admin") for path in READS],
    ("ingest", "GET", "/webhook/ws?project=alpha", "read or admin"),
    ("ingest", "GET", "/webhook/start", "admin"),
    *[("ingest", method, path, "admin") for method, path in ADMIN_ONLY],
    *[("read", "POST", path, "ingest or admin") for path in WEBHOOKS],
    ("read", "POST", "/webhook/ws", "admin"),
    *[("read", method, path, "admin") for method, path in ADMIN_ONLY],
    ("read", "OPTIONS", "/api/stats", "admin"),
]


@pytest.mark.parametrize(("scope", "method", "uri", "needed"), DENIED)
async def test_a_valid_key_outside_its_scope_is_403_naming_the_scope_needed(
    keycheck, scope, method, uri, needed
) -> None:
    response = await check(keycheck, uri, SCOPE_KEYS[scope], method=method)
    assert response.status_code == 403
    assert "x-auth-key-name" not in response.headers
    detail = response.json()["detail"]
    assert f"needs the {needed} scope" in detail
    assert f"'{scope}' scope" in detail


async def test_the_scope_applies_to_the_decoded_path(keycheck) -> None:
    response = await check(keycheck, "/%61pi/stats", "s3cret-ingest")
    assert response.status_code == 403


# --- Keys limited to projects ---------------------------------------------------------------


@pytest.mark.parametrize(
    "uri",
    [
        "/api/projects/alpha/tasks",
        "/api/projects/%61lpha/tasks?limit=5",
        "/api/projects/be%7Cta/tasks",
        "/api/projects",
        "/api/stats",
        "/webhook/ws?project=alpha",
        "/webhook/ws?project=alpha&project=be%7Cta",
    ],
)
async def test_a_project_key_passes_for_its_projects_and_unnamed_ones(keycheck, uri) -> None:
    response = await check(keycheck, uri, "s3cret-team")
    assert response.status_code == 200
    assert response.headers["x-auth-projects"] == "alpha|be%7Cta"


@pytest.mark.parametrize(
    ("uri", "refused"),
    [
        ("/api/projects/gamma/tasks", "gamma"),
        ("/api/projects/alphabet/tasks", "alphabet"),
        ("/api/projects/ALPHA", "ALPHA"),
        ("/api/projects/be%7Cta%20/tasks", "be|ta "),
        ("/webhook/ws?project=gamma", "gamma"),
        ("/webhook/ws?project=alpha&project=gamma", "gamma"),
        ("/webhook/ws?project=", ""),
    ],
)
async def test_a_project_key_is_403_for_another_project(keycheck, uri, refused) -> None:
    response = await check(keycheck, uri, "s3cret-team")
    assert response.status_code == 403
    assert "x-auth-key-name" not in response.headers
    assert repr(refused) in response.json()["detail"]


async def test_a_project_key_must_name_its_projects_on_the_websocket(keycheck) -> None:
    response = await check(keycheck, "/webhook/ws?api_key=s3cret-team")
    assert response.status_code == 403
    assert "?project=" in response.json()["detail"]


async def test_the_project_limit_applies_to_admin_keys_too(keycheck) -> None:
    allowed = await check(keycheck, "/api/projects/alpha", "s3cret-team-admin", method="DELETE")
    refused = await check(keycheck, "/api/projects/beta", "s3cret-team-admin", method="DELETE")
    assert (allowed.status_code, refused.status_code) == (200, 403)
    assert allowed.headers["x-auth-projects"] == "alpha"


@pytest.mark.parametrize("name", ["default", "ci", "dashboard", "ops", "legacy"])
async def test_a_key_for_every_project_sends_no_project_list(keycheck, name) -> None:
    uri, method = ("/webhook/start", "POST") if name == "ci" else ("/webhook/ws", "GET")
    response = await check(keycheck, uri, SECRETS[name], method=method)
    assert response.status_code == 200
    assert "x-auth-projects" not in response.headers


# --- Matching and start-up ------------------------------------------------------------------


def test_a_key_is_compared_with_every_key(monkeypatch) -> None:
    keys = configured(api_keys=API_KEYS).keys()
    compared = []

    def counting(a: bytes, b: bytes) -> bool:
        compared.append(b)
        return a == b

    monkeypatch.setattr("tracker_gateway.keys.hmac.compare_digest", counting)
    ring = KeyRing(keys)
    first = ring.match("s3cret-ingest")
    assert first is not None
    assert first.name == "ci"
    assert compared == [key.digest for key in keys]


def test_the_app_refuses_to_start_naming_the_bad_entry_but_not_its_secret(monkeypatch) -> None:
    monkeypatch.delenv("API_KEY", raising=False)
    monkeypatch.setenv("API_KEYS", "ci:ingest:fine-key,dash:reader:leaked-secret-1")
    monkeypatch.setattr(keycheck_module, "get_key_settings", lambda: KeySettings(_env_file=None))
    with pytest.raises(SystemExit) as refused:
        create_app()
    message = str(refused.value)
    assert "API_KEYS entry 2 ('dash')" in message
    assert "scope" in message
    assert "leaked-secret-1" not in message
    assert "fine-key" not in message


def test_the_app_refuses_to_start_without_keys(monkeypatch) -> None:
    monkeypatch.delenv("API_KEY", raising=False)
    monkeypatch.delenv("API_KEYS", raising=False)
    monkeypatch.setattr(keycheck_module, "get_key_settings", lambda: KeySettings(_env_file=None))
    with pytest.raises(SystemExit, match="No API key configured"):
        create_app()


def test_the_app_starts_with_valid_keys(monkeypatch) -> None:
    monkeypatch.setenv("API_KEY", "s3cret-default")
    monkeypatch.setenv("API_KEYS", API_KEYS)
    monkeypatch.setattr(keycheck_module, "get_key_settings", lambda: KeySettings(_env_file=None))
    assert len(create_app().keys) == 8

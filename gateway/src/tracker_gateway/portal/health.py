"""Whether every part of the system is up, asked of every replica of each service.

Each part is checked on every replica that can tell (ingest's replicas each say whether they
reach Redis, and so on). A part is `ok` when every replica says so, `degraded` when only some
do, and otherwise `unreachable` (no replica answered) or `failing`. The system is `down` when
no replica of some service is up, `degraded` when any other check is not `ok`.

Replicas are named as `make run` names its processes: the service's name when it has one URL,
else `<service>.<n>` in the order the URLs are configured.

The answer is public, so it is shared: callers while the checks run wait for that one round,
and callers within `health_cache_seconds` of its answer get it as it was. However often
`/health` is called, each replica is asked at most once per that interval and portal replica.
"""

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
from async_lru import alru_cache

# (name, service, path): what "up" means for each part. A service's first check says whether
# a replica of it is up at all.
CHECKS = (
    ("ingest", "ingest", "/health"),
    ("query", "query", "/health"),
    ("realtime", "realtime", "/health"),
    ("redis", "ingest", "/redis-check"),
    ("database", "query", "/db-check"),
    ("query worker", "query-worker", "/ready"),
    ("notify", "notify", "/health"),
    ("live feed", "realtime", "/feed-check"),
)
LIVENESS = {service: name for name, service, _ in reversed(CHECKS)}
"""Each service's first check."""
OK, DEGRADED, DOWN = "ok", "degraded", "down"
UNREACHABLE, FAILING = "unreachable", "failing"


@dataclass(frozen=True)
class Checked:
    status: str
    """`ok`, `degraded` (something is not ok) or `down` (no replica of a service is up)."""
    checks: dict[str, str]
    """Each part, over all replicas."""
    replicas: dict[str, dict[str, str]]
    """Each replica's own answers, by replica name."""
    at: datetime
    """When this round of checks started."""
    dead_letters: dict[str, Any] | None = None
    """The query service's dead-letter figures, as its `/health` gives them."""


def replica_names(service: str, urls: list[str]) -> list[str]:
    if len(urls) == 1:
        return [service]
    return [f"{service}.{number}" for number in range(1, len(urls) + 1)]


async def check_all(client: httpx.AsyncClient, urls: dict[str, list[str]]) -> Checked:
    at = datetime.now(UTC)

    async def check(url: str, path: str) -> httpx.Response | None:
        try:
            return await client.get(url + path)
        except httpx.HTTPError:
            return None

    asked = [
        (name, replica, service, url, path)
        for name, service, path in CHECKS
        for replica, url in zip(replica_names(service, urls[service]), urls[service], strict=True)
    ]
    responses = await asyncio.gather(*(check(url, path) for _, _, _, url, path in asked))
    replicas: dict[str, dict[str, str]] = {}
    by_part: dict[str, list[str]] = {}
    query_health: list[httpx.Response | None] = []
    for (name, replica, service, _, _), response in zip(asked, responses, strict=True):
        outcome = _outcome(response)
        replicas.setdefault(replica, {})[name] = outcome
        by_part.setdefault(name, []).append(outcome)
        if name == service == "query" and outcome == OK:
            query_health.append(response)
    checks = {name: _over_replicas(outcomes) for name, outcomes in by_part.items()}
    return Checked(
        status=_status(checks),
        checks=checks,
        replicas=dict(sorted(replicas.items())),
        at=at,
        dead_letters=next(filter(None, map(_dead_letters, query_health)), None),
    )


def _outcome(response: httpx.Response | None) -> str:
    if response is None:
        return UNREACHABLE
    return OK if response.status_code == 200 else FAILING


def _over_replicas(outcomes: list[str]) -> str:
    if all(outcome == OK for outcome in outcomes):
        return OK
    if OK in outcomes:
        return DEGRADED
    return UNREACHABLE if all(outcome == UNREACHABLE for outcome in outcomes) else FAILING


def _status(checks: dict[str, str]) -> str:
    if any(checks[name] in (UNREACHABLE, FAILING) for name in LIVENESS.values()):
        return DOWN
    return OK if all(outcome == OK for outcome in checks.values()) else DEGRADED


def _dead_letters(response: httpx.Response | None) -> dict[str, Any] | None:
    try:
        figures = response.json().get("dead_letters") if response is not None else None
    except ValueError:
        return None
    return figures if isinstance(figures, dict) else None


def shared_checks(
    client: httpx.AsyncClient, urls: dict[str, list[str]], seconds: float
) -> Callable[[], Awaitable[Checked]]:
    """`check_all`, run once for every caller while it runs and for `seconds` after."""

    @alru_cache(maxsize=1, ttl=seconds)
    async def checked() -> Checked:
        return await check_all(client, urls)

    return checked

"""Whether every part of the system is up, asked of each service.

The answer is public, so it is shared: callers while the checks run wait for that one round,
and callers within `health_cache_seconds` of its answer get it as it was. However often
`/health` is called, each service is asked at most once per that interval and portal replica.
"""

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
from async_lru import alru_cache

# (name, service, path): what "up" means for each part.
CHECKS = (
    ("ingest", "ingest", "/health"),
    ("query", "query", "/health"),
    ("realtime", "realtime", "/health"),
    ("redis", "ingest", "/redis-check"),
    ("database", "query", "/db-check"),
    ("query worker", "query-worker", "/ready"),
    ("live feed", "realtime", "/feed-check"),
)


@dataclass(frozen=True)
class Checked:
    checks: dict[str, str]
    at: datetime
    """When this round of checks started."""
    dead_letters: dict[str, Any] | None = None
    """The query service's dead-letter figures, as its `/health` gives them."""


async def check_all(client: httpx.AsyncClient, urls: dict[str, str]) -> Checked:
    at = datetime.now(UTC)

    async def check(service: str, path: str) -> httpx.Response | None:
        try:
            return await client.get(urls[service] + path)
        except httpx.HTTPError:
            return None

    responses = await asyncio.gather(*(check(service, path) for _, service, path in CHECKS))
    checks = {
        name: _outcome(response) for (name, _, _), response in zip(CHECKS, responses, strict=True)
    }
    query = responses[_QUERY_HEALTH]
    return Checked(checks, at, _dead_letters(query) if checks["query"] == "ok" else None)


_QUERY_HEALTH = [name for name, _, _ in CHECKS].index("query")


def _outcome(response: httpx.Response | None) -> str:
    if response is None:
        return "unreachable"
    return "ok" if response.status_code == 200 else "failing"


def _dead_letters(response: httpx.Response | None) -> dict[str, Any] | None:
    try:
        figures = response.json().get("dead_letters") if response is not None else None
    except ValueError:
        return None
    return figures if isinstance(figures, dict) else None


def shared_checks(
    client: httpx.AsyncClient, urls: dict[str, str], seconds: float
) -> Callable[[], Awaitable[Checked]]:
    """`check_all`, run once for every caller while it runs and for `seconds` after."""

    @alru_cache(maxsize=1, ttl=seconds)
    async def checked() -> Checked:
        return await check_all(client, urls)

    return checked

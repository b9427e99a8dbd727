"""Whether every part of the system is up, asked of each service.

The answer is public, so it is shared: callers while the checks run wait for that one round,
and callers within `health_cache_seconds` of its answer get it as it was. However often
`/health` is called, each service is asked at most once per that interval and portal replica.
"""

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
from async_lru import alru_cache

# (name, service, path): what "up" means for each part.
CHECKS = (
    ("ingest", "ingest", "/health"),
    ("query", "query", "/health"),
    ("realtime", "realtime", "/health"),
    ("redis", "ingest", "/redis-check"),
    ("database", "query", "/db-check"),
    ("live feed", "realtime", "/feed-check"),
)


@dataclass(frozen=True)
class Checked:
    checks: dict[str, str]
    at: datetime
    """When this round of checks started."""


async def check_all(client: httpx.AsyncClient, urls: dict[str, str]) -> dict[str, str]:
    async def check(service: str, path: str) -> str:
        try:
            response = await client.get(urls[service] + path)
        except httpx.HTTPError:
            return "unreachable"
        return "ok" if response.status_code == 200 else "failing"

    results = await asyncio.gather(*(check(service, path) for _, service, path in CHECKS))
    return {name: result for (name, _, _), result in zip(CHECKS, results, strict=True)}


def shared_checks(
    client: httpx.AsyncClient, urls: dict[str, str], seconds: float
) -> Callable[[], Awaitable[Checked]]:
    """`check_all`, run once for every caller while it runs and for `seconds` after."""

    @alru_cache(maxsize=1, ttl=seconds)
    async def checked() -> Checked:
        at = datetime.now(UTC)
        return Checked(await check_all(client, urls), at)

    return checked

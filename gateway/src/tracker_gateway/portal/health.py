"""Whether every part of the system is up, asked of each service."""

import asyncio

import httpx

# (name, service, path): what "up" means for each part.
CHECKS = (
    ("ingest", "ingest", "/health"),
    ("query", "query", "/health"),
    ("realtime", "realtime", "/health"),
    ("redis", "ingest", "/redis-check"),
    ("database", "query", "/db-check"),
    ("live feed", "realtime", "/feed-check"),
)


async def check_all(client: httpx.AsyncClient, urls: dict[str, str]) -> dict[str, str]:
    async def check(service: str, path: str) -> str:
        try:
            response = await client.get(urls[service] + path)
        except httpx.HTTPError:
            return "unreachable"
        return "ok" if response.status_code == 200 else "failing"

    results = await asyncio.gather(*(check(service, path) for _, service, path in CHECKS))
    return {name: result for (name, _, _), result in zip(CHECKS, results, strict=True)}

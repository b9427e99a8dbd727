"""The public /health asks each service at most once per round, however many callers it has.

The portal runs in process against a real ingest service with a Redis of its own: every round
of checks sends exactly one PING to that Redis (ingest's /redis-check), which Redis counts.
"""

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from redis import Redis

from tests.waiting import eventually_async
from tracker_gateway.portal.app import create_app
from tracker_gateway.portal.settings import PortalSettings
from tracker_localstack.ports import free_port
from tracker_localstack.processes import Service
from tracker_localstack.redis import EmbeddedRedis

CALLERS = 20


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[EmbeddedRedis]:
    server = EmbeddedRedis(tmp_path / "redis", free_port()).start()
    yield server
    server.stop()


@pytest.fixture
def ingest(redis_server: EmbeddedRedis) -> Iterator[Service]:
    env = {
        "REDIS_URL": redis_server.url,
        "EVENTS_STREAM": f"test:{uuid.uuid4().hex}:events",
        "REQUIRE_GATEWAY_IDENTITY": "false",
    }
    service = Service("tracker_ingest", env).start()
    yield service
    service.thaw_and_stop()


def pings(redis_server: EmbeddedRedis) -> int:
    with Redis.from_url(redis_server.url) as redis:
        stats = redis.info("commandstats").get("cmdstat_ping", {"calls": 0})
        return int(stats["calls"])


@asynccontextmanager
async def portal(ingest: Service, cache_seconds: float) -> AsyncIterator[FastAPI]:
    nowhere = f"http://127.0.0.1:{free_port()}"
    settings = PortalSettings(
        ingest_url=ingest.url,
        query_url=nowhere,
        realtime_url=nowhere,
        query_worker_url=nowhere,
        check_timeout_seconds=30,
        health_cache_seconds=cache_seconds,
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        yield app


async def health_of(app: FastAPI, callers: int) -> list[dict[str, object]]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://portal") as client:
        answers = await asyncio.gather(*(client.get("/health") for _ in range(callers)))
    assert {answer.status_code for answer in answers} == {503}  # query and realtime are away
    return [answer.json() for answer in answers]


async def test_callers_within_the_interval_share_one_round_of_checks(
    ingest: Service, redis_server: EmbeddedRedis
) -> None:
    async with portal(ingest, cache_seconds=3600) as app:
        before = pings(redis_server)
        first = await health_of(app, CALLERS)
        later = await health_of(app, CALLERS)
        assert pings(redis_server) - before == 1
        assert len({answer["checked_at"] for answer in first + later}) == 1
        checks = first[0]["checks"]
        assert isinstance(checks, dict)
        assert (checks["ingest"], checks["redis"], checks["database"]) == (
            "ok",
            "ok",
            "unreachable",
        )


async def test_concurrent_callers_share_the_round_under_way(
    ingest: Service, redis_server: EmbeddedRedis
) -> None:
    """Without any caching after the answer, callers while a round runs still wait for it."""
    async with portal(ingest, cache_seconds=0) as app:
        before = pings(redis_server)
        ingest.freeze()  # the round cannot end before every caller has arrived
        callers = asyncio.ensure_future(health_of(app, CALLERS))
        checked = app.state.checked
        await eventually_async(lambda: _joined(checked, CALLERS))
        ingest.thaw()
        answers = await callers
        assert pings(redis_server) - before == 1
        assert len({answer["checked_at"] for answer in answers}) == 1
        # The round is over and nothing is kept: the next caller starts another.
        await health_of(app, 1)
        assert pings(redis_server) - before == 2


async def _joined(checked: object, callers: int) -> bool:
    """Every caller is waiting for a round (async-lru's own count of calls)."""
    info = checked.cache_info()  # type: ignore[attr-defined]
    return bool(info.hits + info.misses == callers)


@pytest.fixture
def every_service(
    redis_server: EmbeddedRedis, database_url: str
) -> Iterator[dict[str, list[Service]]]:
    """Two ingest replicas and one of each other service, sharing a Redis stream."""
    env = {
        "REDIS_URL": redis_server.url,
        "DATABASE_URL": database_url,
        "EVENTS_STREAM": f"test:{uuid.uuid4().hex}:events",
        "REQUIRE_GATEWAY_IDENTITY": "false",
    }
    services = {
        "ingest": [Service("tracker_ingest", env), Service("tracker_ingest", env)],
        "query": [Service("tracker_query", env)],
        "query_worker": [Service("tracker_query", env, factory="worker:create_app")],
        "realtime": [Service("tracker_realtime", env)],
        "notify": [Service("tracker_notify", env)],
    }
    try:
        for group in services.values():
            for service in group:
                service.start(timeout=120)  # five imports on a busy machine
        yield services
    finally:
        for group in services.values():
            for service in group:
                service.thaw_and_stop()


async def test_every_replica_is_checked_and_named(every_service: dict[str, list[Service]]) -> None:
    ingest = every_service["ingest"]
    settings = PortalSettings(
        **{f"{name}_url": ",".join(s.url for s in group) for name, group in every_service.items()},
        health_cache_seconds=0,
    )
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://portal") as client,
    ):
        answer = await client.get("/health")
        assert (answer.status_code, answer.json()["status"]) == (200, "ok")
        assert answer.json()["replicas"] == {
            "ingest.1": {"ingest": "ok", "redis": "ok"},
            "ingest.2": {"ingest": "ok", "redis": "ok"},
            "query": {"query": "ok", "database": "ok"},
            "query-worker": {"query worker": "ok"},
            "realtime": {"realtime": "ok", "live feed": "ok"},
            "notify": {"notify": "ok"},
        }
        assert answer.json()["dead_letters"] == {"count": 0, "oldest_age_seconds": None}

        ingest[1].kill()  # the second replica only: webhooks are still accepted
        answer = await eventually_async(lambda: unlike(client, answer))
        assert (answer.status_code, answer.json()["status"]) == (503, "degraded")
        checks, replicas = answer.json()["checks"], answer.json()["replicas"]
        assert (checks["ingest"], checks["redis"], checks["query"]) == (
            "degraded",
            "degraded",
            "ok",
        )
        assert replicas["ingest.1"] == {"ingest": "ok", "redis": "ok"}
        assert replicas["ingest.2"] == {"ingest": "unreachable", "redis": "unreachable"}

        ingest[0].kill()
        answer = await eventually_async(lambda: unlike(client, answer))
        assert (answer.status_code, answer.json()["status"]) == (503, "down")
        assert answer.json()["checks"]["ingest"] == "unreachable"
        assert answer.json()["checks"]["database"] == "ok"


async def unlike(client: httpx.AsyncClient, previous: httpx.Response) -> httpx.Response | None:
    """The next answer of /health, once it says something else than `previous` did."""
    answer = await client.get("/health")
    return answer if answer.json()["status"] != previous.json()["status"] else None

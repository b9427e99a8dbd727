"""The worker's own health, in process against real PostgreSQL and Redis: liveness says its
loops run, readiness that it can do its work."""

import asyncio

from tests.waiting import eventually_async


async def test_liveness_fails_once_a_loop_has_ended(settings, run_query) -> None:
    async with run_query(settings) as query:
        await eventually_async(lambda: _status(query.worker, "/ready", 200))
        assert (await query.worker.get("/health")).json()["status"] == "ok"
        sweeping = query.worker_app.state.worker.loops[1]
        sweeping.cancel()
        await asyncio.gather(sweeping, return_exceptions=True)
        health = await query.worker.get("/health")
        assert (health.status_code, health.json()["status"]) == (503, "error")
        assert (await query.worker.get("/ready")).status_code == 503


async def test_the_worker_serves_no_api(settings, run_query) -> None:
    async with run_query(settings) as query:
        assert (await query.worker.get("/api/projects")).status_code == 404
        assert (await query.worker.get("/db-check")).status_code == 404


async def _status(client, path: str, status: int) -> bool:  # type: ignore[no-untyped-def]
    return bool((await client.get(path)).status_code == status)

import httpx

from tracker_notify.app import create_app
from tracker_notify.settings import NotifySettings


async def test_health_and_ready_answer_with_the_servers_up(settings: NotifySettings) -> None:
    app = create_app(settings)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://n") as client,
    ):
        assert (await client.get("/health")).json() == {"status": "ok", "stopped": []}
        ready = await client.get("/ready")
        assert ready.status_code == 200
        assert ready.json() == {"status": "ok", "database": "connected", "redis": "connected"}


async def test_ready_says_which_server_does_not_answer(settings: NotifySettings) -> None:
    unreachable = settings.model_copy(
        update={"database_url": "postgresql+asyncpg://x@127.0.0.1:9/x"}
    )
    app = create_app(unreachable)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://n") as client,
    ):
        ready = await client.get("/ready")
        assert ready.status_code == 503
        assert ready.json()["database"] == "unreachable"
        assert ready.json()["redis"] == "connected"

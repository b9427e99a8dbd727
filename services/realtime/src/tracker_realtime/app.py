"""The realtime service: relays task events to WebSocket clients."""

from fastapi import FastAPI


def create_app() -> FastAPI:
    app = FastAPI(title="Agent Task Tracker — realtime", version="0.1.0")

    @app.get("/health", tags=["health"], summary="The realtime process is alive")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    return app

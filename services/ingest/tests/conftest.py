"""The ingest app in process, over ASGI, against the run's real Redis."""

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import httpx
import pytest

from tests.factories import GATEWAY_IDENTITY
from tracker_ingest.app import create_app
from tracker_ingest.settings import IngestSettings
from tracker_localstack.ports import free_port

ServeIngest = Callable[..., AbstractAsyncContextManager[httpx.AsyncClient]]


@pytest.fixture
def serve_ingest(redis_url: str, events_stream: str) -> ServeIngest:
    """Runs the app with the test's stream and these settings, for as long as the block lasts."""

    @asynccontextmanager
    async def serve(**settings: Any) -> AsyncIterator[httpx.AsyncClient]:
        app = create_app(
            IngestSettings(**{"redis_url": redis_url, "events_stream": events_stream, **settings})
        )
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app),
                base_url="http://ingest",
                headers=GATEWAY_IDENTITY,
            ) as client,
        ):
            yield client

    return serve


@pytest.fixture
async def ingest(serve_ingest: ServeIngest) -> AsyncIterator[httpx.AsyncClient]:
    async with serve_ingest() as client:
        yield client


@pytest.fixture
async def ingest_without_redis(serve_ingest: ServeIngest) -> AsyncIterator[httpx.AsyncClient]:
    async with serve_ingest(redis_url=f"redis://127.0.0.1:{free_port()}/0") as client:
        yield client

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager

import pytest
from faststream.redis import RedisBroker
from starlette.testclient import TestClient

from tests.factories import GATEWAY_IDENTITY
from tests.waiting import eventually
from tracker_realtime.app import create_app
from tracker_realtime.settings import RealtimeSettings

Publish = Callable[..., None]


@pytest.fixture
def settings(redis_url: str, events_stream: str) -> RealtimeSettings:
    return RealtimeSettings(
        redis_url=redis_url, events_stream=events_stream, connection_report_seconds=0.2
    )


@contextmanager
def _running(settings: RealtimeSettings) -> Iterator[TestClient]:
    with TestClient(create_app(settings), headers=GATEWAY_IDENTITY) as client:
        eventually(lambda: client.get("/feed-check").status_code == 200)
        yield client


@pytest.fixture
def realtime(settings: RealtimeSettings) -> Iterator[TestClient]:
    with _running(settings) as client:
        yield client


@pytest.fixture
def run_realtime() -> Callable[[RealtimeSettings], AbstractContextManager[TestClient]]:
    """`with run_realtime(settings) as client:` the service with settings of a test's own."""
    return _running


@pytest.fixture
def publish() -> Publish:
    """`publish(client, settings, *events)`: put events on the stream as ingest does."""

    def publish_events(client: TestClient, settings: RealtimeSettings, *events: object) -> None:
        async def send() -> None:
            async with RedisBroker(str(settings.redis_url)) as broker:
                for item in events:
                    await broker.publish(item, stream=settings.events_stream)

        assert client.portal is not None
        client.portal.call(send)

    return publish_events

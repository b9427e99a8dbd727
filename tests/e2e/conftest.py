"""End-to-end fixtures: the services run as real processes on real sockets."""

from collections.abc import Iterator

import pytest

from tracker_localstack.processes import Service

from .stack import NOTIFY_PACE, Stack, running_stack

__all__ = ["Stack"]  # the type the tests' `stack` fixture gives


@pytest.fixture
def service_env(empty_database_url: str, redis_url: str, events_stream: str) -> dict[str, str]:
    return {
        # These services are called straight, with no gateway in front.
        "REQUIRE_GATEWAY_IDENTITY": "false",
        "DATABASE_URL": empty_database_url,
        "REDIS_URL": redis_url,
        "EVENTS_STREAM": events_stream,
    }


@pytest.fixture
def ingest(service_env: dict[str, str]) -> Iterator[Service]:
    service = Service("tracker_ingest", service_env).start()
    yield service
    service.stop()


@pytest.fixture
def query(service_env: dict[str, str]) -> Iterator[Service]:
    """The query API, not yet started: tests decide when it runs."""
    service = Service("tracker_query", service_env)
    yield service
    service.stop()


@pytest.fixture
def query_worker(service_env: dict[str, str]) -> Iterator[Service]:
    """The query worker, which applies the stream, not yet started: tests decide when it runs."""
    service = Service("tracker_query", service_env, factory="worker:create_app")
    yield service
    service.stop()


@pytest.fixture(scope="session")
def stack(
    postgres_admin_url: str, redis_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    """One stack for the session, with two realtime replicas; notifications are looked for and
    retried within seconds (test_notifications.py)."""
    data_dir = tmp_path_factory.mktemp("stack")
    with running_stack(
        postgres_admin_url, redis_url, data_dir, REALTIME_REPLICAS="2", **NOTIFY_PACE
    ) as stack:
        yield stack

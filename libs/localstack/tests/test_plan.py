"""What `make run` starts: every process of every service, named and placed as configured."""

import pytest
from pydantic import ValidationError

from tracker_localstack.__main__ import REPLICA_PORT_STEP, _wanted_ports, plan
from tracker_localstack.settings import LocalSettings


def test_the_query_api_and_its_workers_are_groups_of_their_own() -> None:
    settings = LocalSettings(
        _env_file=None,  # type: ignore[call-arg]
        query_port=8602,
        query_worker_port=8607,
        query_replicas=1,
        query_worker_replicas=3,
    )
    processes = plan(settings)
    [api] = processes["query"]
    assert (api.name, api.url) == ("query", "http://127.0.0.1:8602")
    assert "tracker_query.app:create_app" in api.command
    workers = processes["query-worker"]
    assert [w.name for w in workers] == ["query-worker.1", "query-worker.2", "query-worker.3"]
    assert [w.url for w in workers] == [
        f"http://127.0.0.1:{8607 + REPLICA_PORT_STEP * i}" for i in range(3)
    ]
    assert all("tracker_query.worker:create_app" in w.command for w in workers)
    moved_by = {port.part: port.setting for port in _wanted_ports(settings, processes)}
    assert moved_by["query-worker.3"] == "QUERY_WORKER_PORT"
    assert moved_by["query"] == "QUERY_PORT"


@pytest.mark.parametrize("replicas", [0, 10])
def test_worker_replicas_are_one_to_nine(replicas: int) -> None:
    defaults = LocalSettings(_env_file=None)  # type: ignore[call-arg]
    assert (defaults.query_worker_port, defaults.query_worker_replicas) == (8007, 1)
    with pytest.raises(ValidationError, match="query_worker_replicas"):
        LocalSettings(_env_file=None, query_worker_replicas=replicas)  # type: ignore[call-arg]

import socket
from pathlib import Path

import pytest

from agent_tracker import Tracker, TrackerConfig


@pytest.fixture
def closed_port_url() -> str:
    """A local URL nothing listens on: connections are refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.fixture
def offline_env(tmp_path: Path, closed_port_url: str) -> dict[str, str]:
    """Environment for a CLI whose tracker is down."""
    return {
        "AGENT_TRACKER_URL": closed_port_url,
        "AGENT_TRACKER_API_KEY": "test-key",
        "AGENT_TRACKER_PROJECT": "offline",
        "AGENT_TRACKER_AGENT": "tester",
        "AGENT_TRACKER_STATE_DIR": str(tmp_path / "state"),
    }


@pytest.fixture
def offline_tracker(offline_env: dict[str, str]) -> Tracker:
    return Tracker(TrackerConfig.from_env(offline_env))

"""A service given a URL it cannot use says so without writing the URL's password anywhere."""

import subprocess
import uuid

import pytest

from tracker_localstack.ports import free_port
from tracker_localstack.processes import uvicorn_command

# Short: a long value would be cut in the middle of the error message and hide the leak.
PASSWORD = f"pw{uuid.uuid4().hex[:8]}"


@pytest.mark.parametrize("module", ["tracker_ingest", "tracker_query", "tracker_realtime"])
def test_a_redis_url_that_does_not_parse_is_reported_without_its_password(module: str) -> None:
    env = {
        "REDIS_URL": f"redis://:{PASSWORD}@redis:not-a-port/0",
        "DATABASE_URL": f"postgresql+asyncpg://tracker:{PASSWORD}@127.0.0.1:{free_port()}/x",
        "PATH": "/usr/bin:/bin",
    }
    run = subprocess.run(
        uvicorn_command(f"{module}.app:create_app", free_port()),
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    output = run.stdout + run.stderr
    assert run.returncode != 0, output
    assert "redis_url" in output
    assert PASSWORD not in output

import socket
import subprocess
import sys
from pathlib import Path

from tracker_localstack.ports import free_port

START = """
import sys
from pathlib import Path
from tracker_localstack.postgres import EmbeddedPostgres, ServerDidNotStart
try:
    EmbeddedPostgres(Path(sys.argv[1]), int(sys.argv[2])).start()
except ServerDidNotStart as error:
    sys.exit(str(error))
"""


def test_a_server_that_cannot_start_says_why_in_one_message(tmp_path: Path) -> None:
    port = free_port()
    with socket.socket() as holder:
        holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        holder.bind(("127.0.0.1", port))
        holder.listen()
        result = subprocess.run(
            [sys.executable, "-c", START, str(tmp_path / "postgres"), str(port)],
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert result.returncode == 1
    first, *log = result.stderr.splitlines()
    assert first.startswith(f"embedded PostgreSQL did not start on 127.0.0.1:{port};")
    assert any("Address already in use" in line for line in log)
    assert "Traceback" not in result.stderr
    assert "Failed postgres command" not in result.stderr

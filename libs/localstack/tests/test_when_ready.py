import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tracker_localstack.ports import free_port
from tracker_localstack.when_ready import wait_for


class Healthy(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200 if self.path == "/health" else 503)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Healthy)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_names_what_did_not_answer_200(server: str) -> None:
    closed = f"http://127.0.0.1:{free_port()}/health"
    # Long enough for the healthy one to answer on a busy machine (its client alone takes time).
    silent = wait_for([f"{server}/health", f"{server}/starting", closed], seconds=5)
    assert silent == [f"{server}/starting", closed]


def test_runs_the_command_once_every_url_answers(server: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "tracker_localstack.when_ready", f"{server}/health", "--",
         sys.executable, "-c", "print('started')"],
        capture_output=True,
        text=True,
        timeout=30,
    )  # fmt: skip
    assert (result.returncode, result.stdout) == (0, "started\n")

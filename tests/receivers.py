"""Real HTTP receivers on loopback for the notifications the system sends: each records every
request it gets and answers as the test tells it (a status, or a hold until released)."""

import json
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tracker_localstack.ports import free_port


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    """Lower-cased names."""
    body: bytes
    arrived_at: float
    """`time.monotonic()` when the request arrived, before it was answered."""
    status: int | None = None
    """What it was answered; None while it is held."""

    @property
    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def webhook_id(self) -> str:
        return self.headers.get("webhook-id", "")


@dataclass
class Receiver:
    """An HTTP server that stands in for a customer's endpoint (`slack=True`: for Slack's
    incoming webhooks, which answer the text `ok`)."""

    status: int = 200
    slack: bool = False
    delay: float = 0.0
    """Seconds each answer takes: a slow receiver, many requests in flight."""
    requests: list[Received] = field(default_factory=list)
    released: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        self.released.set()
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", "0"))
                received = Received(
                    self.path,
                    {name.lower(): value for name, value in self.headers.items()},
                    self.rfile.read(length),
                    time.monotonic(),
                )
                with receiver._lock:
                    receiver.requests.append(received)
                receiver.released.wait(timeout=120)
                time.sleep(receiver.delay)
                received.status = receiver.status
                answer = b"ok" if receiver.slack else b"{}"
                self.send_response(received.status)
                self.send_header(
                    "content-type", "text/plain" if receiver.slack else "application/json"
                )
                self.send_header("content-length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self._server.daemon_threads = True

    def __enter__(self) -> "Receiver":
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.released.set()
        self._server.shutdown()
        self._server.server_close()

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        path = "/services/T0000/B0000/XXXXXXXX" if self.slack else "/hooks/tracker"
        return f"http://{host}:{port}{path}"

    def hold(self) -> None:
        """Answer nothing until `release()`: a receiver that hangs."""
        self.released.clear()

    def release(self) -> None:
        self.released.set()

    def received(self) -> list[Received]:
        with self._lock:
            return list(self.requests)

    def by_webhook_id(self) -> Counter[str]:
        """How many requests came with each `webhook-id` (retries of one message share it)."""
        return Counter(r.webhook_id for r in self.received())

    def of_type(self, kind: str) -> list[Received]:
        """The webhook requests whose body's `type` is `kind` (e.g. `task.failed`)."""
        return [r for r in self.received() if r.json.get("type") == kind]

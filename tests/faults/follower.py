"""A dashboard following a project's live feed through the gateway, as a careful client does:
when its connection drops it reconnects with `since=` the last entry it saw, so that a dead
realtime replica costs it no event."""

import json
import threading
import time
from collections import Counter
from urllib.parse import urlencode

from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import ClientConnection, connect

from tracker_contracts import LiveMessageType

EVENT_TYPES = {kind.value for kind in LiveMessageType}


class Follower(threading.Thread):
    def __init__(self, ws_url: str, api_key: str, project: str, since: str) -> None:
        super().__init__(name=f"follower-{project}", daemon=True)
        self._ws_url, self._api_key, self._project = ws_url, api_key, project
        self.position = since
        """The last stream entry seen: where a resume starts."""
        self.received: Counter[str] = Counter()
        """Event ids of the events received, with how often each came."""
        self.connections = 0
        self.resumes = 0
        """Connections after the first, each resumed with `since`."""
        self.refusals: list[int] = []
        """HTTP statuses of handshakes refused (each retried)."""
        self.resyncs = 0
        self.connected = threading.Event()
        self._stopping = threading.Event()

    def stop(self) -> None:
        self._stopping.set()
        self.join(timeout=30)

    def run(self) -> None:
        while not self._stopping.is_set():
            query = urlencode(
                {"project": self._project, "since": self.position, "api_key": self._api_key}
            )
            try:
                with connect(f"{self._ws_url}/webhook/ws?{query}", open_timeout=10) as websocket:
                    self.resumes += self.connections > 0
                    self.connections += 1
                    self.connected.set()
                    self._follow(websocket)
            except InvalidStatus as refused:
                self.refusals.append(refused.response.status_code)
                time.sleep(0.1)
            except (ConnectionClosed, OSError, TimeoutError):
                time.sleep(0.1)

    def _follow(self, websocket: ClientConnection) -> None:
        while not self._stopping.is_set():
            try:
                message = json.loads(websocket.recv(timeout=0.5))
            except TimeoutError:
                continue
            if message["type"] in EVENT_TYPES:
                self.received[message["event_id"]] += 1
                self.position = message["id"]
            elif message["type"] == "heartbeat" and message["data"].get("last_id"):
                self.position = message["data"]["last_id"]
            elif message["type"] == "resync_required":
                self.resyncs += 1

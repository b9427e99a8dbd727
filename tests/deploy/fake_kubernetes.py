"""A Kubernetes API server for one namespace, as far as a controller's informers read it.

It answers the list and watch requests of client-go (plain and streaming lists) for the
objects it is given, and pushes a change to every open watch: enough for Traefik's Kubernetes
Ingress provider to run against it, outside any cluster. Objects are plain manifests (dicts).
"""

import itertools
import json
import queue
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

# (API prefix, resource) -> kind, for the resources this server lists and watches.
RESOURCES = {
    ("/api/v1", "services"): "Service",
    ("/api/v1", "secrets"): "Secret",
    ("/api/v1", "endpoints"): "Endpoints",
    ("/apis/discovery.k8s.io/v1", "endpointslices"): "EndpointSlice",
    ("/apis/networking.k8s.io/v1", "ingresses"): "Ingress",
}
Object = dict[str, Any]


class FakeKubernetes:
    def __init__(self, namespace: str) -> None:
        self.namespace = namespace
        self._objects: dict[tuple[str, str], Object] = {}
        self._versions = itertools.count(1)
        self._version = "0"
        self._watches: list[tuple[str, queue.Queue[Object | None]]] = []
        self._lock = threading.Lock()
        self.requests: list[str] = []

    def apply(self, document: Object) -> None:
        """Create or replace an object; every open watch of its kind is told."""
        document = json.loads(json.dumps(document))
        metadata = document.setdefault("metadata", {})
        metadata["namespace"] = self.namespace
        key = (document["kind"], metadata["name"])
        with self._lock:
            self._version = str(next(self._versions))
            metadata["resourceVersion"] = self._version
            metadata.setdefault("uid", f"uid-{key[0]}-{key[1]}".lower())
            event = "MODIFIED" if key in self._objects else "ADDED"
            self._objects[key] = document
            for kind, events in self._watches:
                if kind == document["kind"]:
                    events.put({"type": event, "object": document})

    def _of_kind(self, kind: str) -> list[Object]:
        return [document for (k, _), document in self._objects.items() if k == kind]

    @contextmanager
    def serving(self) -> Iterator[str]:
        """Serve on a free loopback port; yield the server's URL."""
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                url = urlsplit(self.path)
                fake.requests.append(self.path)
                found = fake._resource(url.path)
                if found is None:
                    self._send(404, {"kind": "Status", "status": "Failure", "code": 404})
                    return
                api_version, kind = found
                query = parse_qs(url.query)
                if query.get("watch", ["false"])[0] in ("true", "1"):
                    initial_events = query.get("sendInitialEvents", ["false"])[0] == "true"
                    self._watch(api_version, kind, initial_events)
                    return
                with fake._lock:
                    body = {
                        "kind": f"{kind}List",
                        "apiVersion": api_version,
                        "metadata": {"resourceVersion": fake._version},
                        "items": fake._of_kind(kind),
                    }
                self._send(200, body)

            def _send(self, status: int, body: Object) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _watch(self, api_version: str, kind: str, initial_events: bool) -> None:
                events: queue.Queue[Object | None] = queue.Queue()
                with fake._lock:
                    if initial_events:
                        for document in fake._of_kind(kind):
                            events.put({"type": "ADDED", "object": document})
                        end = {"k8s.io/initial-events-end": "true"}
                        bookmark = {"resourceVersion": fake._version, "annotations": end}
                        events.put(
                            {"type": "BOOKMARK", "object": {"kind": kind, "metadata": bookmark}}
                        )
                    fake._watches.append((kind, events))
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                try:
                    while (event := events.get()) is not None:
                        line = json.dumps(event).encode() + b"\n"
                        self.wfile.write(b"%x\r\n%s\r\n" % (len(line), line))
                        self.wfile.flush()
                    self.wfile.write(b"0\r\n\r\n")
                except OSError:
                    pass  # the client went away
                finally:
                    with fake._lock:
                        fake._watches.remove((kind, events))

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{server.server_address[1]}"
        finally:
            with self._lock:
                for _, events in self._watches:
                    events.put(None)
            server.shutdown()
            server.server_close()

    def _resource(self, path: str) -> tuple[str, str] | None:
        """(apiVersion, kind) of the resource a path lists, if it is one served here."""
        for (prefix, resource), kind in RESOURCES.items():
            if path == f"{prefix}/namespaces/{self.namespace}/{resource}":
                return prefix.removeprefix("/api/").removeprefix("/apis/"), kind
        return None

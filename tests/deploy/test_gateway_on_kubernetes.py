"""The gateway as the Kubernetes manifests run it: the real Traefik, with the static file the
gateway pod writes, the routes, services and plugin from the rendered ConfigMaps, the keys
the key sync writes, and its Kubernetes Ingress provider reading the rendered Ingress and
Services from a Kubernetes API (tests/deploy/fake_kubernetes.py) whose EndpointSlices put each
service's pods on loopback addresses of this machine.

Only what a pod cannot have here changes: the entry points' addresses, the API server's
address, and where the files are.
"""

import json
import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from tracker_localstack.ports import free_port
from tracker_localstack.traefik import TRAEFIK

from .fake_kubernetes import FakeKubernetes
from .rendered import NAMESPACE, manifests, named, of_kind, pod_spec
from .test_kubernetes import config_map_files, effective_static_config

OVERLAY = "production"
TROUBLE = re.compile(r"\b(WRN|ERR|FTL|PNC)\b|^[WEF]\d{4} ")
KEY = "kubernetes-test-key-0123456789"
READ_KEY = "kubernetes-read-key-0123456789"
# The pods of each Service: loopback addresses, since Traefik tells servers apart by address.
PODS = {
    "ingest": ["127.0.0.2", "127.0.0.3"],
    "query-api": ["127.0.0.4"],
    "realtime": ["127.0.0.5"],
    "portal": ["127.0.0.6"],
    "web": ["127.0.0.7"],
    "notify": ["127.0.0.8"],
}


@dataclass(frozen=True)
class Received:
    service: str
    pod: str
    method: str
    path: str
    headers: dict[str, str]


class Pods:
    """Every pod's server: answers 200 and records what reached it."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.ports: dict[str, int] = {}
        self._servers: list[ThreadingHTTPServer] = []

    def start(self) -> None:
        for service, addresses in PODS.items():
            port = 0
            for address in addresses:
                server = ThreadingHTTPServer((address, port), self._handler(service, address))
                port = server.server_address[1]
                threading.Thread(target=server.serve_forever, daemon=True).start()
                self._servers.append(server)
            self.ports[service] = port

    def stop(self) -> None:
        for server in self._servers:
            server.shutdown()
            server.server_close()

    def _handler(self, service: str, address: str) -> type[BaseHTTPRequestHandler]:
        pods = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                pods.received.append(
                    Received(service, address, self.command, self.path, dict(self.headers))
                )
                body = json.dumps({"service": service, "pod": address}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = _answer

        return Handler


def endpoint_slice(service: str, port: int, serving: dict[str, bool]) -> dict[str, Any]:
    """What the control plane makes for a Service: its pods' addresses, ready or not."""
    return {
        "apiVersion": "discovery.k8s.io/v1",
        "kind": "EndpointSlice",
        "metadata": {"name": f"{service}-x1", "labels": {"kubernetes.io/service-name": service}},
        "addressType": "IPv4",
        "ports": [{"name": "http", "port": port, "protocol": "TCP"}],
        "endpoints": [
            {
                "addresses": [address],
                "conditions": {"ready": up, "serving": up, "terminating": False},
            }
            for address, up in serving.items()
        ],
    }


@dataclass
class Gateway:
    url: str
    pods: Pods
    kubernetes: FakeKubernetes
    log: Path
    routed_at: int = 0  # the log's length when every service was first routed

    def get(self, path: str, key: str | None = KEY) -> httpx.Response:
        headers = {"X-API-Key": key} if key else {}
        return httpx.get(self.url + path, headers=headers, timeout=5)

    def post(self, path: str, body: Any, key: str | None = KEY) -> httpx.Response:
        headers = {"X-API-Key": key} if key else {}
        return httpx.post(self.url + path, json=body, headers=headers, timeout=5)


def write_gateway_files(root: Path, kubernetes_url: str, ports: dict[str, int]) -> Path:
    """The gateway pod's files, laid out as its volumes lay them; return the static file."""
    documents = manifests(OVERLAY)
    spec = pod_spec(named(documents, "Deployment", "gateway"))
    dynamic = root / "dynamic"
    dynamic.mkdir()
    for config_map, name in (
        ("gateway-routes", "routes.yml"),
        ("gateway-kubernetes", "services.yml"),
    ):
        (dynamic / name).write_text(config_map_files(documents, config_map)[name])
    # The plugin, at the paths of the volume's items, under the working directory.
    (plugin,) = [volume for volume in spec["volumes"] if volume["name"] == "plugin"]
    files = config_map_files(documents, "gateway-plugin")
    for item in plugin["configMap"]["items"]:
        path = root / "plugins-local" / item["path"]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(files[item["key"]])
    # The keys, written by the key sync as the sidecar runs it.
    (keys,) = [c for c in spec["initContainers"] if c["name"] == "keys"]
    key_file = root / "api-keys"
    key_file.write_text(f"reader:read:{READ_KEY}\n")
    output = dynamic / Path(keys["command"][3]).name
    env = {"PATH": os.environ["PATH"], "API_KEY": KEY, "API_KEYS_FILE": str(key_file)}
    assert keys["command"][:3] == ["python", "-m", "tracker_gateway.keysync"]
    subprocess.run([sys.executable, *keys["command"][1:3], str(output)], env=env, check=True)
    # The static file, as the pod's first step writes it, with this machine's addresses.
    (root / "config-maps").mkdir()
    config = effective_static_config(documents, root / "config-maps")
    config["entryPoints"]["web"]["address"] = f"127.0.0.1:{ports['web']}"
    config["entryPoints"]["ping"]["address"] = f"127.0.0.1:{ports['ping']}"
    config["entryPoints"]["kubernetes-services"]["address"] = f"127.0.0.1:{ports['internal']}"
    config["providers"]["file"]["directory"] = str(dynamic)
    config["providers"]["kubernetesIngress"] |= {"endpoint": kubernetes_url, "token": "test"}
    config["accessLog"]["filePath"] = str(root / "access.log")
    static = root / "traefik.yml"
    static.write_text(yaml.safe_dump(config))
    return static


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    documents = manifests(OVERLAY)
    pods = Pods()
    pods.start()
    kubernetes = FakeKubernetes(NAMESPACE)
    for document in [
        *of_kind(documents, "Service"),
        named(documents, "Ingress", "gateway-services"),
    ]:
        kubernetes.apply(document)
    for service, addresses in PODS.items():
        kubernetes.apply(
            endpoint_slice(service, pods.ports[service], dict.fromkeys(addresses, True))
        )
    root = tmp_path_factory.mktemp("gateway")
    ports = {"web": free_port(), "ping": free_port(), "internal": free_port()}
    settings = named(documents, "ConfigMap", "tracker-settings")["data"]
    env = {
        "PATH": os.environ["PATH"],
        "TRACKER_SERVICE_PROVIDER": "file",
        "POD_NAMESPACE": NAMESPACE,
        "RATE_LIMIT_AVERAGE": settings["RATE_LIMIT_AVERAGE"],
        "RATE_LIMIT_BURST": settings["RATE_LIMIT_BURST"],
    }
    with kubernetes.serving() as kubernetes_url:
        static = write_gateway_files(root, kubernetes_url, ports)
        log = (root / "traefik.log").open("wb")
        traefik = subprocess.Popen(
            [str(TRAEFIK), f"--configFile={static}"], cwd=root, env=env, stdout=log, stderr=log
        )
        url = f"http://127.0.0.1:{ports['web']}"
        try:
            running = Gateway(url, pods, kubernetes, root / "traefik.log")
            _wait_until_routed(running, traefik, root / "traefik.log")
            yield running
        finally:
            traefik.terminate()
            traefik.wait(timeout=30)
            log.close()
            pods.stop()


def _wait_until_routed(gateway: Gateway, traefik: subprocess.Popen[bytes], log: Path) -> None:
    """Until every Service is routed: the Ingress provider has read them all."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if traefik.poll() is not None:
            pytest.fail(f"Traefik exited:\n{log.read_text()[-3000:]}")
        try:
            routed = {
                gateway.get("/health").json().get("service"),
                gateway.get("/webhook/start", key=None).status_code,  # 401: the key check
                gateway.get("/api/projects").json().get("service"),
            }
            if routed == {"portal", 401, "query-api"}:
                gateway.pods.received.clear()
                gateway.routed_at = len(log.read_text())
                return
        except (httpx.HTTPError, ValueError):
            pass
        time.sleep(0.2)
    asked = "\n".join(gateway.kubernetes.requests[-20:])
    pytest.fail(
        f"the gateway never routed every service; asked:\n{asked}\n{log.read_text()[-3000:]}"
    )


# Until the Ingress provider has read the Services, the routes of the file provider name
# services that do not exist yet: Traefik reports each once, then routes.
NOT_YET_READ = re.compile(r'the service \\"[\w-]+@kubernetes\\" does not exist')


def test_the_gateway_starts_without_a_warning_or_an_error_of_its_own(gateway: Gateway) -> None:
    plain = re.sub(r"\x1b\[[0-9;]*m", "", gateway.log.read_text())  # without the colours
    trouble = [line for line in plain.splitlines() if TROUBLE.search(line)]
    assert [line for line in trouble if not NOT_YET_READ.search(line)] == []


def test_the_gateway_reports_nothing_once_it_routes(gateway: Gateway) -> None:
    gateway.get("/health")
    routed_log = gateway.log.read_text()[gateway.routed_at :]
    assert [line for line in routed_log.splitlines() if TROUBLE.search(line)] == []


ROUTES = [
    ("POST", "/webhook/start", "ingest"),
    ("POST", "/webhook/batch", "ingest"),
    ("GET", "/redis-check", "ingest"),
    ("GET", "/api/projects/my-app/tasks", "query-api"),
    ("GET", "/db-check", "query-api"),
    ("GET", "/api/websocket/stats", "realtime"),
    ("GET", "/feed-check", "realtime"),
    ("GET", "/api/projects/my-app/notifications/channels", "notify"),
    ("POST", "/api/projects/my-app/notifications/channels/ch_1/test", "notify"),
    ("GET", "/api/projects/my-app/notifications", "notify"),
    ("GET", "/api/projects/my-app/notificationsx", "query-api"),
    ("GET", "/health", "portal"),
    ("GET", "/openapi.json", "portal"),
    ("GET", "/projects/my-app", "web"),
]


@pytest.mark.parametrize(("method", "path", "service"), ROUTES)
def test_every_route_reaches_the_pods_of_its_kubernetes_service(
    gateway: Gateway, method: str, path: str, service: str
) -> None:
    answer = gateway.post(path, {}) if method == "POST" else gateway.get(path)
    assert answer.status_code == 200, answer.text
    assert answer.json()["service"] == service
    assert answer.json()["pod"] in PODS[service]


def test_a_protected_route_refuses_a_request_without_a_valid_key(gateway: Gateway) -> None:
    gateway.pods.received.clear()
    for key in (None, "not-a-key"):
        assert gateway.post("/webhook/start", {}, key=key).status_code == 401
        assert gateway.get("/api/projects", key=key).status_code == 401
    assert gateway.post("/webhook/start", {}, key=READ_KEY).status_code == 403
    assert gateway.pods.received == []


def test_the_key_is_checked_removed_and_its_identity_stamped(gateway: Gateway) -> None:
    assert gateway.get("/api/projects", key=READ_KEY).status_code == 200
    (received,) = gateway.pods.received[-1:]
    headers = {name.lower(): value for name, value in received.headers.items()}
    assert headers["x-auth-key-name"] == "reader"
    assert headers["x-auth-key-scope"] == "read"
    assert "x-api-key" not in headers


def test_the_dashboard_gets_its_security_headers(gateway: Gateway) -> None:
    answer = gateway.get("/", key=None)
    assert answer.json()["service"] == "web"
    assert "frame-ancestors 'none'" in answer.headers["content-security-policy"]


def test_the_ingress_routers_are_not_reachable_on_the_public_entry_point(gateway: Gateway) -> None:
    """The Ingress declares /ingest, /query-api, ...; from outside those are dashboard pages."""
    for path in ("/ingest", "/query-api/api/projects", "/realtime", "/portal"):
        answer = gateway.get(path, key=None)
        assert answer.json()["service"] == "web", path


def test_requests_spread_over_every_ready_pod(gateway: Gateway) -> None:
    pods = {gateway.get("/redis-check").json()["pod"] for _ in range(20)}
    assert pods == set(PODS["ingest"])


def test_a_pod_that_is_not_ready_leaves_the_rotation_and_comes_back(gateway: Gateway) -> None:
    ingest = PODS["ingest"]
    port = gateway.pods.ports["ingest"]
    gateway.kubernetes.apply(endpoint_slice("ingest", port, {ingest[0]: True, ingest[1]: False}))
    try:
        _until(lambda: _pods_answering(gateway) == {ingest[0]}, "the unready pod left")
        assert _pods_answering(gateway) == {ingest[0]}
    finally:
        gateway.kubernetes.apply(endpoint_slice("ingest", port, dict.fromkeys(ingest, True)))
    _until(lambda: _pods_answering(gateway) == set(ingest), "the pod came back")


def _pods_answering(gateway: Gateway) -> set[str]:
    return {gateway.get("/redis-check").json()["pod"] for _ in range(20)}


def _until(condition: Any, what: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"not within {seconds} s: {what}")
        time.sleep(0.2)

"""Compose, Kubernetes and `make run` run the same services the same way.

Each service is declared three times: in docker-compose.yml, in the Kubernetes manifests
(deploy/) and in `make run` (`tracker_localstack.__main__.plan()` and `LocalSettings`). Here
the three agree on what runs (the app and its server options), on which port, with which
environment variables (and each of those is one the program reads), probed on which paths
(and each of those is a route the program serves). A change to one that the others miss fails
here, naming the service.
"""

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml
from fastapi import FastAPI
from pydantic_settings import BaseSettings

from tests.e2e.test_compose import (
    APP_COMMANDS,
    DOCKERFILE,
    as_argv,
    as_mapping,
    dockerfile_cmd,
    dockerfile_instructions,
    image_instructions,
    load_compose,
)
from tools.manifests import ROOT
from tracker_gateway.keys import KeySettings
from tracker_gateway.portal.settings import PortalSettings
from tracker_ingest.settings import IngestSettings
from tracker_localstack import traefik as local_traefik
from tracker_localstack.__main__ import plan, setting_name
from tracker_localstack.settings import LocalSettings
from tracker_query.settings import QuerySettings
from tracker_realtime.settings import RealtimeSettings

from .rendered import env_names, manifests, named, pod_spec

OVERLAY = "production"  # the services are the base's; every overlay renders them alike


@dataclass(frozen=True)
class Service:
    kubernetes: str  # the Deployment and its container
    compose: str  # the compose service
    local: str  # the key of plan(): `make run`'s processes
    settings: type[BaseSettings] | None  # what the program reads from its environment
    app: str | None  # the ASGI app factory it serves (None: not a Python server)


SERVICES = [
    Service("ingest", "ingest", "ingest", IngestSettings, "tracker_ingest.app:create_app"),
    Service("query-api", "query", "query", QuerySettings, "tracker_query.app:create_app"),
    Service(
        "query-worker",
        "query-worker",
        "query-worker",
        QuerySettings,
        "tracker_query.worker:create_app",
    ),
    Service(
        "realtime", "realtime", "realtime", RealtimeSettings, "tracker_realtime.app:create_app"
    ),
    Service("portal", "portal", "portal", PortalSettings, "tracker_gateway.portal.app:create_app"),
    Service("web", "web", "web", None, None),
]


def service_params() -> list[Any]:
    return [pytest.param(s, id=s.kubernetes) for s in SERVICES]


# --- Reading each side ------------------------------------------------------------------------


def compose_services() -> dict[str, dict[str, Any]]:
    services: dict[str, dict[str, Any]] = load_compose()["services"]
    return services


def local_plan() -> dict[str, list[Any]]:
    return plan(LocalSettings(_env_file=None))  # type: ignore[call-arg]


def kubernetes_container(name: str) -> dict[str, Any]:
    deployment = named(manifests(OVERLAY), "Deployment", name)
    (container,) = pod_spec(deployment)["containers"]
    assert container["name"] == name
    return container


def kubernetes_argv(
    container: dict[str, Any], build: str, dockerfile: str = DOCKERFILE
) -> list[str]:
    """What the container runs: its command, or its image's CMD."""
    if "command" in container:
        return list(container["command"]) + list(container.get("args", []))
    return dockerfile_cmd(image_instructions(ROOT / dockerfile, {"SERVICE": build}))


def compose_argv(name: str) -> list[str]:
    service = compose_services()[name]
    if "command" in service:
        return as_argv(service["command"])
    build = service["build"]
    args = build.get("args", {})
    return dockerfile_cmd(image_instructions(ROOT / build.get("dockerfile", DOCKERFILE), args))


def option(argv: list[str], name: str) -> str:
    return argv[argv.index(name) + 1]


def server_options(argv: list[str]) -> list[str]:
    """uvicorn's options beyond where it listens: what the service needs wherever it runs."""
    kept, skip = [], False
    for word in argv[argv.index("--factory") + 1 :]:
        if skip:
            skip = False
        elif word in ("--host", "--port"):
            skip = True
        elif word != "--no-access-log":
            kept.append(word)
    return kept


def compose_port(name: str) -> int:
    labels = as_mapping(compose_services()[name].get("labels"))
    port = labels.get(f"traefik.http.services.{name}.loadbalancer.server.port")
    return int(port) if port else int(option(compose_argv(name), "--port"))


def compose_probe_path(name: str) -> str:
    test = " ".join(compose_services()[name]["healthcheck"]["test"])
    match = re.search(r"http://127\.0\.0\.1:\d+(/[\w/.-]*)", test)
    assert match, test
    return match[1]


def probe_path(container: dict[str, Any], probe: str) -> str:
    path: str = container[probe]["httpGet"]["path"]
    return path


def setting_names(settings: type[BaseSettings]) -> set[str]:
    prefix = settings.model_config.get("env_prefix", "")
    return {
        (alias if isinstance(alias := field.validation_alias, str) else f"{prefix}{name}").upper()
        for name, field in settings.model_fields.items()
    }


def routes_of(app: str) -> set[str]:
    """The paths the app serves, read from the app object (nothing connects): its own routes
    and those of its routers, which its OpenAPI document lists."""
    module, factory = app.split(":")
    created = getattr(__import__(module, fromlist=[factory]), factory)()
    assert isinstance(created, FastAPI)
    own = {route.path for route in created.routes if hasattr(route, "path")}
    return own | set(created.openapi()["paths"])


# --- Services ---------------------------------------------------------------------------------


def test_the_same_services_run_everywhere() -> None:
    deployments = {d["metadata"]["name"] for d in manifests(OVERLAY) if d["kind"] == "Deployment"}
    assert deployments == {s.kubernetes for s in SERVICES} | {"gateway"}
    assert set(compose_services()) >= {s.compose for s in SERVICES}
    assert set(local_plan()) == {s.local for s in SERVICES}


@pytest.mark.parametrize("service", service_params())
def test_a_service_runs_the_same_app_with_the_same_server_options(service: Service) -> None:
    container = kubernetes_container(service.kubernetes)
    build = container["image"].rsplit("/", 1)[1].split(":")[0]
    dockerfile = "web/Dockerfile" if build == "web" else DOCKERFILE
    ours = kubernetes_argv(container, build, dockerfile)
    assert ours == compose_argv(service.compose)
    if service.app is None:
        return
    (local,) = local_plan()[service.local][:1]
    assert service.app in ours
    assert service.app in local.command
    assert server_options(ours) == server_options(local.command)


@pytest.mark.parametrize("service", service_params())
def test_a_service_listens_on_the_same_port(service: Service) -> None:
    container = kubernetes_container(service.kubernetes)
    (port,) = container["ports"]
    assert port["containerPort"] == compose_port(service.compose)
    kubernetes_service = named(manifests(OVERLAY), "Service", service.kubernetes)
    assert [p["port"] for p in kubernetes_service["spec"]["ports"]] == [port["containerPort"]]
    if service.app is None:
        return  # `make run` serves the dashboard's files with a server of its own
    (local,) = local_plan()[service.local][:1]
    assert urlsplit(local.url).port == port["containerPort"]
    setting = f"{service.local.replace('-', '_')}_port"
    assert LocalSettings.model_fields[setting].default == port["containerPort"]


@pytest.mark.parametrize("service", service_params())
def test_a_service_is_probed_on_the_same_paths_which_it_serves(service: Service) -> None:
    container = kubernetes_container(service.kubernetes)
    alive = probe_path(container, "livenessProbe")
    assert probe_path(container, "startupProbe") == alive
    ready = probe_path(container, "readinessProbe")
    # Compose has one check: a service is healthy when alive, or ready where that differs.
    assert compose_probe_path(service.compose) in {alive, ready}
    # What `make run` waits for before starting the gateway, and what its Traefik checks.
    assert local_traefik.LIVENESS_PATHS.get(service.local, "/health") == alive
    if service.app is None:
        nginx = (ROOT / "web" / "nginx.conf").read_text()
        assert f"location = {alive} " in nginx
        assert ready == alive
    else:
        assert {alive, ready} <= routes_of(service.app)


@pytest.mark.parametrize("service", service_params())
def test_a_service_gets_the_same_environment_and_reads_all_of_it(service: Service) -> None:
    container = kubernetes_container(service.kubernetes)
    ours = env_names(container)
    assert ours == set(as_mapping(compose_services()[service.compose].get("environment")))
    if service.settings is not None:
        assert ours <= setting_names(service.settings)
    # Optional settings: compose reads them from .env, Kubernetes from tracker-settings.
    assert compose_services()[service.compose].get("env_file") is not None or service.app is None
    if service.app is not None:
        sources = [source["configMapRef"]["name"] for source in container.get("envFrom", [])]
        assert [re.sub(r"-[a-z0-9]{10}$", "", s) for s in sources] == ["tracker-settings"]


def test_the_portal_finds_each_service_under_the_name_make_run_gives_it() -> None:
    container = kubernetes_container("portal")
    urls = {v["name"]: v["value"] for v in container["env"] if v["name"].endswith("_URL")}
    by_setting = {f"PORTAL_{setting_name(s.local, 'url')}": s for s in SERVICES}
    assert set(urls) <= set(by_setting)
    for name, url in urls.items():
        service = by_setting[name]
        address = urlsplit(url)
        assert address.hostname == service.kubernetes
        assert address.port == kubernetes_container(service.kubernetes)["ports"][0]["containerPort"]


def test_optional_settings_are_ones_some_service_or_the_gateway_reads() -> None:
    settings = named(manifests(OVERLAY), "ConfigMap", "tracker-settings")["data"]
    known = set().union(
        *(setting_names(s.settings) for s in SERVICES if s.settings is not None),
        gateway_template_variables(),
    )
    assert set(settings) <= known
    documented = set(re.findall(r"^# (\w+)=", (ROOT / ".env.example").read_text(), re.MULTILINE))
    assert set(settings) <= documented


def test_the_images_run_as_the_user_their_dockerfile_names() -> None:
    for service in SERVICES:
        deployment = named(manifests(OVERLAY), "Deployment", service.kubernetes)
        uid = pod_spec(deployment)["securityContext"]["runAsUser"]
        dockerfile = ROOT / ("web/Dockerfile" if service.app is None else DOCKERFILE)
        users = [text for keyword, text in dockerfile_instructions(dockerfile) if keyword == "USER"]
        assert users[-1].split(":")[0] == str(uid), service.kubernetes


# --- The gateway ------------------------------------------------------------------------------


def gateway_template_variables() -> set[str]:
    """The environment variables Traefik's dynamic files read (`{{ env "NAME" }}`)."""
    routes = (ROOT / "gateway" / "dynamic" / "routes.yml").read_text()
    return set(re.findall(r'env "(\w+)"', routes))


def test_traefik_gets_the_variables_its_routes_read_as_under_compose() -> None:
    spec = pod_spec(named(manifests(OVERLAY), "Deployment", "gateway"))
    (traefik,) = spec["containers"]
    compose = set(as_mapping(compose_services()["traefik"]["environment"]))
    assert gateway_template_variables() <= compose
    services_file = (ROOT / "deploy" / "base" / "gateway" / "services.yml").read_text()
    # Kubernetes only: the Kubernetes provider's services carry the namespace.
    assert env_names(traefik) == compose | set(re.findall(r'env "(\w+)"', services_file))
    assert traefik["image"] == compose_services()["traefik"]["image"]
    assert traefik["workingDir"] == compose_services()["traefik"]["working_dir"]


def test_traefik_is_probed_on_its_internal_ping_entry_point() -> None:
    static = yaml.safe_load((ROOT / "gateway" / "traefik.yml").read_text())
    ping_port = int(
        static["entryPoints"][static["ping"]["entryPoint"]]["address"].rsplit(":", 1)[1]
    )
    web_port = int(static["entryPoints"]["web"]["address"].rsplit(":", 1)[1])
    spec = pod_spec(named(manifests(OVERLAY), "Deployment", "gateway"))
    (traefik,) = spec["containers"]
    ports = {p["name"]: p["containerPort"] for p in traefik["ports"]}
    assert ports == {"web": web_port, "ping": ping_port}
    for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
        assert traefik[probe]["httpGet"] == {"path": "/ping", "port": "ping"}
    assert "--ping" in compose_services()["traefik"]["healthcheck"]["test"]
    assert compose_services()["traefik"]["ports"] == [f"8000:{web_port}"]


def test_the_key_sync_runs_as_under_compose() -> None:
    spec = pod_spec(named(manifests(OVERLAY), "Deployment", "gateway"))
    (keys,) = [c for c in spec["initContainers"] if c["name"] == "keys"]
    assert keys["command"] == APP_COMMANDS["keys"][1] == compose_argv("keys")
    assert env_names(keys) == set(as_mapping(compose_services()["keys"]["environment"]))
    assert env_names(keys) <= setting_names(KeySettings)
    key_file = next(v["value"] for v in keys["env"] if v["name"] == "API_KEYS_FILE")
    compose_file = as_mapping(compose_services()["keys"]["environment"])["API_KEYS_FILE"]
    assert key_file == compose_file


def test_migrations_run_as_under_compose() -> None:
    (job,) = [d for d in manifests(OVERLAY) if d["kind"] == "Job"]
    (migrate,) = pod_spec(job)["containers"]
    assert migrate["command"] == compose_argv("migrate")
    assert env_names(migrate) == set(as_mapping(compose_services()["migrate"]["environment"]))

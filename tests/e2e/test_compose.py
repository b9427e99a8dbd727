"""docker-compose.yml and the Dockerfiles it builds, checked without Docker.

The file is interpolated the way Compose does it, validated against the Compose Specification
JSON schema (the copy vendored by check-jsonschema), then held to this project's own rules:
only Traefik publishes a port, scaled services can be scaled, every image runs the right app.
"""

import json
import re
import shlex
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from tracker_localstack import traefik
from tracker_localstack.redis import DEFAULT_MAXMEMORY

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
TRAEFIK_STATIC = ROOT / "gateway" / "traefik.yml"
TRAEFIK_ROUTES = ROOT / "gateway" / "dynamic" / "routes.yml"
DOCKERFILE = "Dockerfile"  # every Python image; the dashboard's is web/Dockerfile

# What Compose would find in the shell or .env: only the required variables.
TEST_ENV = {"API_KEY": "test-key", "POSTGRES_PASSWORD": "pg-secret", "REDIS_PASSWORD": "rd-secret"}

# service -> (the Dockerfile's SERVICE build argument, the command its container runs)
APP_COMMANDS = {
    "ingest": (
        "ingest",
        ["uvicorn", "tracker_ingest.app:create_app", "--factory", "--host", "0.0.0.0",
         "--port", "8001"],
    ),
    "query": (
        "query",
        ["uvicorn", "tracker_query.app:create_app", "--factory", "--host", "0.0.0.0",
         "--port", "8002"],
    ),
    "query-worker": (
        "query",
        ["uvicorn", "tracker_query.worker:create_app", "--factory", "--host", "0.0.0.0",
         "--port", "8007"],
    ),
    "realtime": (
        "realtime",
        ["uvicorn", "tracker_realtime.app:create_app", "--factory", "--host", "0.0.0.0",
         "--port", "8003", "--ws-ping-interval", "20", "--ws-ping-timeout", "20",
         "--ws-per-message-deflate", "false",
         "--ws", "tracker_realtime.websocket_protocol:CoalescingWebSocketsProtocol"],
    ),
    "keys": (
        "gateway",
        ["python", "-m", "tracker_gateway.keysync", "/gateway-keys/api-keys.yml", "--watch"],
    ),
    "portal": (
        "gateway",
        ["uvicorn", "tracker_gateway.portal.app:create_app", "--factory", "--host", "0.0.0.0",
         "--port", "8005"],
    ),
    "notify": (
        "notify",
        ["uvicorn", "tracker_notify.app:create_app", "--factory", "--host", "0.0.0.0",
         "--port", "8008"],
    ),
    "migrate": ("query", ["python", "-m", "tracker_query.migrate"]),
    "migrate-notify": ("notify", ["python", "-m", "tracker_notify.migrate"]),
}  # fmt: skip
# Services Traefik routes to (names used as `<name>@docker` in routes.yml) and their ports.
ROUTED_PORTS = {
    "ingest": 8001,
    "query": 8002,
    "realtime": 8003,
    "notify": 8008,
    "portal": 8005,
    "web": 8080,
}
SCALED = ("ingest", "query", "query-worker", "realtime", "notify")
EXPECTED_SERVICES = {"traefik", "docker-api", "postgres", "redis", "web", *APP_COMMANDS}
DOCKER_SOCKET = "/var/run/docker.sock"


# --- Compose's variable interpolation (the subset of its rules this file may use) -----------

_VARIABLE = re.compile(
    r"""\$(?:
        (?P<escaped>\$)
      | (?P<named>[A-Za-z_][A-Za-z0-9_]*)
      | \{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?+])(?P<arg>[^}$]*))?\}
      | (?P<invalid>)
    )""",
    re.VERBOSE,
)


class InterpolationError(ValueError):
    pass


def interpolate_string(text: str, env: Mapping[str, str]) -> str:
    def substitute(match: re.Match[str]) -> str:
        if match["escaped"]:
            return "$"
        if match["invalid"] is not None:
            raise InterpolationError(f"invalid interpolation in {text!r}")
        name = match["named"] or match["braced"]
        op, arg = match["op"], match["arg"] or ""
        is_set = name in env
        non_empty = bool(env.get(name))
        present = non_empty if op and op.startswith(":") else is_set
        if op in ("-", ":-"):
            return env[name] if present else arg
        if op in ("?", ":?"):
            if not present:
                raise InterpolationError(f"required variable {name} is missing a value: {arg}")
            return env[name]
        if op in ("+", ":+"):
            return arg if present else ""
        return env.get(name, "")

    return _VARIABLE.sub(substitute, text)


def interpolate(node: Any, env: Mapping[str, str]) -> Any:
    """Values (not keys) are interpolated, as Compose does."""
    if isinstance(node, str):
        return interpolate_string(node, env)
    if isinstance(node, dict):
        return {key: interpolate(value, env) for key, value in node.items()}
    if isinstance(node, list):
        return [interpolate(item, env) for item in node]
    return node


def load_compose(env: Mapping[str, str] = TEST_ENV) -> dict[str, Any]:
    document = yaml.safe_load(COMPOSE_FILE.read_text())
    assert isinstance(document, dict), "docker-compose.yml is not a mapping"
    return interpolate(document, env)


def compose_schema() -> dict[str, Any]:
    vendored = resources.files("check_jsonschema.builtin_schemas.vendor")
    schema: dict[str, Any] = json.loads(vendored.joinpath("compose-spec.json").read_text())
    return schema


def schema_errors(document: dict[str, Any]) -> list[str]:
    schema = compose_schema()
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    validator = validator_class(schema)
    return [
        f"{'/'.join(map(str, error.absolute_path)) or '<root>'}: {error.message}"
        for error in sorted(validator.iter_errors(document), key=lambda e: list(e.path))
    ]


# --- Normalising Compose's short and long syntaxes --------------------------------------------


def as_mapping(value: Any) -> dict[str, str]:
    """`labels` / `environment` as a list of `KEY=VALUE` or a mapping."""
    if value is None:
        return {}
    if isinstance(value, list):
        return dict(item.split("=", 1) if "=" in item else (item, "") for item in value)
    return {key: "" if item is None else str(item) for key, item in value.items()}


def depends_on(service: dict[str, Any]) -> dict[str, str]:
    value = service.get("depends_on", {})
    if isinstance(value, list):
        return dict.fromkeys(value, "service_started")
    return {name: spec.get("condition", "service_started") for name, spec in value.items()}


def as_argv(command: Any) -> list[str]:
    return shlex.split(command) if isinstance(command, str) else list(command)


def networks_of(service: dict[str, Any]) -> set[str]:
    value = service.get("networks", {})
    return set(value) if isinstance(value, (list, dict)) else set()


# --- Reading Dockerfiles ----------------------------------------------------------------------


def dockerfile_instructions(path: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, comments dropped and continuation lines joined."""
    lines = [line for line in path.read_text().splitlines() if not line.lstrip().startswith("#")]
    joined = re.sub(r"\\\n\s*", " ", "\n".join(lines))
    instructions = []
    for line in joined.splitlines():
        if line.strip():
            keyword, _, arguments = line.strip().partition(" ")
            instructions.append((keyword.upper(), arguments.strip()))
    return instructions


@dataclass(frozen=True)
class Stage:
    name: str
    base: str  # an image, or the name of an earlier stage
    instructions: list[tuple[str, str]]


def _expand(text: str, arguments: Mapping[str, str]) -> str:
    return re.sub(r"\$\{(\w+)\}", lambda m: arguments.get(m[1], ""), text)


def build_stages(instructions: list[tuple[str, str]], build_args: Mapping[str, str]) -> list[Stage]:
    """The stages, `FROM` and stage-scoped `ARG` values expanded as BuildKit does."""
    arguments: dict[str, str] = {}  # global ARGs: declared before the first FROM
    stages: list[Stage] = []
    for keyword, text in instructions:
        if keyword == "FROM":
            words = [word for word in text.split() if not word.startswith("--")]
            base = _expand(words[0], arguments)
            name = words[2] if len(words) == 3 and words[1].upper() == "AS" else str(len(stages))
            stages.append(Stage(name, base, []))
        elif keyword == "ARG" and not stages:
            name, _, default = text.partition("=")
            arguments[name.strip()] = build_args.get(name.strip(), default.strip())
        else:
            stages[-1].instructions.append((keyword, _expand(text, arguments)))
    assert stages, "no FROM"
    return stages


def image_stages(stages: list[Stage]) -> list[Stage]:
    """The stages the image is made of, from the base image to the last stage."""
    by_name = {stage.name: stage for stage in stages}
    chain = [stages[-1]]
    while chain[-1].base in by_name:
        chain.append(by_name[chain[-1].base])
    assert chain[-1].base, "the image's base is empty: a build argument is missing"
    assert ":" in chain[-1].base, f"no stage nor pinned image named {chain[-1].base!r}"
    return chain[::-1]


def image_instructions(path: Path, build_args: Mapping[str, str]) -> list[tuple[str, str]]:
    """What the built image is made of: its stages' instructions, the earliest first."""
    stages = image_stages(build_stages(dockerfile_instructions(path), build_args))
    return [instruction for stage in stages for instruction in stage.instructions]


def dockerfile_cmd(instructions: list[tuple[str, str]]) -> list[str]:
    commands = [arguments for keyword, arguments in instructions if keyword == "CMD"]
    assert commands, "the image has no CMD"
    argv = json.loads(commands[-1])  # exec form only: no shell as PID 1
    assert isinstance(argv, list)
    return argv


def base_images(stages: list[Stage]) -> list[str]:
    names = {stage.name for stage in stages}
    return [stage.base for stage in stages if stage.base not in names]


def workspace_members() -> dict[str, str]:
    """Package name -> directory of every uv workspace member, from the root pyproject.toml."""
    root = tomllib.loads((ROOT / "pyproject.toml").read_text())
    members = {}
    for pattern in root["tool"]["uv"]["workspace"]["members"]:
        for pyproject in sorted(ROOT.glob(f"{pattern}/pyproject.toml")):
            name = tomllib.loads(pyproject.read_text())["project"]["name"]
            members[name] = pyproject.parent.relative_to(ROOT).as_posix()
    return members


# --- Fixtures ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return load_compose()


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    value = compose.get("services")
    assert isinstance(value, dict), "docker-compose.yml has no services"
    return value


# --- The Compose Specification ----------------------------------------------------------------


def test_compose_file_is_valid_against_the_compose_specification(compose) -> None:
    assert schema_errors(compose) == []


def test_the_schema_check_rejects_an_invalid_file(compose) -> None:
    broken = json.loads(json.dumps(compose))
    broken["services"]["ingest"]["helthcheck"] = broken["services"]["ingest"].pop("healthcheck")
    broken["services"]["redis"]["depends_on"] = {"postgres": {"condition": 42}}
    errors = schema_errors(broken)
    assert any("helthcheck" in error for error in errors), errors
    assert any(error.startswith("services/redis/depends_on") for error in errors), errors


def test_api_key_must_be_set() -> None:
    without_key = {k: v for k, v in TEST_ENV.items() if k != "API_KEY"}
    for env in (without_key, {**without_key, "API_KEY": ""}):
        with pytest.raises(InterpolationError, match="API_KEY"):
            load_compose(env)
    keys = load_compose({**TEST_ENV, "API_KEY": "k-1"})["services"]["keys"]
    assert as_mapping(keys["environment"])["API_KEY"] == "k-1"


@pytest.mark.parametrize("password", ["POSTGRES_PASSWORD", "REDIS_PASSWORD"])
def test_passwords_must_be_set(password: str) -> None:
    for env in ({k: v for k, v in TEST_ENV.items() if k != password}, {**TEST_ENV, password: ""}):
        with pytest.raises(InterpolationError, match=password):
            load_compose(env)


def test_interpolation_follows_compose_rules() -> None:
    env = {"SET": "value", "EMPTY": ""}
    assert interpolate_string("${SET:-d} ${EMPTY:-d} ${EMPTY-d} ${UNSET-d}", env) == "value d  d"
    assert interpolate_string("$SET ${UNSET} $$SET ${SET:+alt} ${UNSET:+alt}", env) == (
        "value  $SET alt "
    )
    with pytest.raises(InterpolationError):
        interpolate_string("${EMPTY:?needed}", env)
    with pytest.raises(InterpolationError):
        interpolate_string("${SET", env)


# --- Services, ports, networks ----------------------------------------------------------------


def test_every_service_is_declared(services) -> None:
    assert EXPECTED_SERVICES - set(services) == set()


def test_only_traefik_publishes_a_port(services) -> None:
    publishing = sorted(name for name, service in services.items() if service.get("ports"))
    assert publishing == ["traefik"]
    assert services["traefik"]["ports"] == ["8000:8000"]  # GATEWAY_PORT unset
    gateway_port = load_compose({**TEST_ENV, "GATEWAY_PORT": "9000"})["services"]["traefik"]
    assert gateway_port["ports"] == ["9000:8000"]
    assert all("network_mode" not in service for service in services.values())


def test_services_can_be_scaled(services) -> None:
    """`docker compose up --scale ingest=3 --scale query-worker=2` needs unnamed containers."""
    named = sorted(name for name, service in services.items() if "container_name" in service)
    assert named == []
    for name in SCALED:
        assert "ports" not in services[name], name


def test_one_network_named_as_the_traefik_docker_provider_expects(compose, services) -> None:
    docker_provider = yaml.safe_load(TRAEFIK_STATIC.read_text())["providers"]["docker"]
    assert docker_provider["exposedByDefault"] is False
    assert compose["networks"]["tracker"]["name"] == docker_provider["network"] == "tracker"
    expected = {name: {"tracker"} for name in services}
    expected |= {"traefik": {"tracker", "docker-api"}, "docker-api": {"docker-api"}}
    assert {name: networks_of(service) for name, service in services.items()} == expected


# --- Images -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(APP_COMMANDS))
def test_each_app_runs_the_right_module_from_its_dockerfile(services, name: str) -> None:
    service, expected = APP_COMMANDS[name]
    build = services[name]["build"]
    assert build["context"] == "."
    assert build.get("dockerfile", "Dockerfile") == DOCKERFILE
    assert build["args"] == {"SERVICE": service}
    path = ROOT / build["context"] / DOCKERFILE
    assert path.is_file(), path
    instructions = image_instructions(path, build["args"])
    command = services[name].get("command")
    argv = as_argv(command) if command is not None else dockerfile_cmd(instructions)
    assert argv == expected
    # The module run is the one the image installs (`tracker-<SERVICE>`).
    module = next(word for word in argv if word.startswith("tracker_"))
    assert module.split(".")[0] == f"tracker_{service}"
    if name == "portal":  # run without a command, the gateway image is the portal
        assert dockerfile_cmd(instructions) == expected


def test_every_service_stage_of_the_dockerfile_is_built_by_compose(services) -> None:
    stages = build_stages(dockerfile_instructions(ROOT / DOCKERFILE), {})
    runtime = [stage.name for stage in stages if stage.base == "runtime"]
    built = {services[name]["build"]["args"]["SERVICE"] for name in APP_COMMANDS}
    assert sorted(runtime) == sorted(built) == ["gateway", "ingest", "notify", "query", "realtime"]
    assert stages[-1].base == ""  # the image is the stage SERVICE names: no default
    with pytest.raises(AssertionError, match="build argument is missing"):
        image_stages(stages)


@pytest.mark.parametrize(
    ("service", "members"),
    [
        ("ingest", ["tracker-contracts", "tracker-ingest"]),
        ("query", ["tracker-contracts", "tracker-query"]),
        ("realtime", ["tracker-contracts", "tracker-realtime"]),
        ("notify", ["tracker-contracts", "tracker-notify"]),
        ("gateway", ["tracker-contracts", "tracker-gateway"]),
    ],
)
def test_dockerfiles_build_a_lean_pinned_non_root_image(service: str, members) -> None:
    stages = build_stages(dockerfile_instructions(ROOT / DOCKERFILE), {"SERVICE": service})
    for image in base_images(stages):
        tag = image.partition(":")[2]
        assert re.fullmatch(r"v?\d+(\.\d+)+[\w.-]*", tag), f"unpinned base image {image}"
    chain = image_stages(stages)
    assert chain[0].base.startswith("python:3.11")
    assert chain[-2].name == service
    builder = next(stage for stage in stages if stage.name == "builder")
    instructions = builder.instructions
    syncs = [text for keyword, text in instructions if keyword == "RUN" and "uv sync" in text]
    assert len(syncs) == 2, syncs
    package = f"--package {members[-1]}"
    assert all("--frozen" in s and "--no-dev" in s and package in s for s in syncs), syncs
    assert "--no-install-workspace" in syncs[0]
    assert "--no-editable" in syncs[1]
    for member in members:
        assert f"--reinstall-package {member}" in syncs[1], member
    # Every workspace member's pyproject.toml (the workspace must resolve), and the sources of
    # the members installed.
    copied = {
        text.split()[0] for keyword, text in instructions if keyword == "COPY" and "--" not in text
    }
    workspace = workspace_members()
    assert {f"{directory}/pyproject.toml" for directory in workspace.values()} <= copied
    assert {f"{workspace[member]}/src" for member in members} <= copied
    image = [instruction for stage in chain for instruction in stage.instructions]
    assert [text for keyword, text in image if keyword == "COPY"] == [
        "--from=builder /app/.venv /app/.venv"
    ]
    users = [text for keyword, text in image if keyword == "USER"]
    assert users, "the image runs as root"
    assert users[-1].split(":")[0] not in ("root", "0"), users
    assert any(keyword == "HEALTHCHECK" and "urllib" in text for keyword, text in image)
    assert any(keyword == "ENV" and "PATH=/app/.venv/bin:$PATH" in text for keyword, text in image)
    assert any(keyword == "ENV" and "HEALTHCHECK_URL=" in text for keyword, text in image)


def test_web_image_builds_the_dashboard_and_serves_it_unprivileged(services) -> None:
    build = services["web"]["build"]
    assert (build["context"], build["dockerfile"]) == (".", "web/Dockerfile")
    instructions = dockerfile_instructions(ROOT / "web" / "Dockerfile")
    stages = build_stages(instructions, {})
    for image in base_images(stages):
        tag = image.partition(":")[2]
        assert re.fullmatch(r"v?\d+(\.\d+)+[\w.-]*", tag), f"unpinned base image {image}"
    runs = " ".join(text for keyword, text in instructions if keyword == "RUN")
    assert "npm ci" in runs
    assert "npm run build" in runs
    runtime = stages[-1].instructions
    assert base_images(stages)[-1].startswith("nginxinc/nginx-unprivileged:")
    assert "--from=build /web/dist /usr/share/nginx/html" in [
        text for keyword, text in runtime if keyword == "COPY"
    ]
    users = [text for keyword, text in runtime if keyword == "USER"]
    assert users, "the runtime stage runs as root"
    assert users[-1].split(":")[0] not in ("root", "0"), users
    assert any(keyword == "HEALTHCHECK" and "8080/health" in text for keyword, text in runtime)
    assert "listen 8080;" in (ROOT / "web" / "nginx.conf").read_text()


def test_traefik_image_is_pinned_to_at_least_3_7_2(services) -> None:
    match = re.fullmatch(r"traefik:v(\d+)\.(\d+)\.(\d+)", services["traefik"]["image"])
    assert match, services["traefik"]["image"]
    assert tuple(map(int, match.groups())) >= (3, 7, 2)


def test_traefik_gets_its_config_the_routes_and_the_keys(services) -> None:
    traefik = services["traefik"]
    env = as_mapping(traefik["environment"])
    assert env["TRACKER_SERVICE_PROVIDER"] == "docker"
    static = yaml.safe_load(TRAEFIK_STATIC.read_text())
    dynamic = static["providers"]["file"]["directory"]
    assert static["providers"]["file"]["watch"] is True
    assert set(traefik["volumes"]) >= {
        "./gateway/traefik.yml:/etc/traefik/traefik.yml:ro",
        f"gateway-keys:{dynamic}",
        f"./gateway/dynamic/routes.yml:{dynamic}/routes.yml:ro",
        "./gateway/plugins-local:/plugins-local:ro",
    }
    assert depends_on(traefik) == {"keys": "service_healthy", "docker-api": "service_started"}


def test_only_a_read_only_docker_api_proxy_holds_the_docker_socket(compose, services) -> None:
    holders = sorted(
        name
        for name, service in services.items()
        if any(DOCKER_SOCKET in volume for volume in service.get("volumes", []))
    )
    assert holders == ["docker-api"]
    proxy = services["docker-api"]
    assert re.fullmatch(r"ghcr\.io/tecnativa/docker-socket-proxy:v\d+\.\d+\.\d+", proxy["image"])
    assert proxy["volumes"] == [f"{DOCKER_SOCKET}:{DOCKER_SOCKET}:ro"]
    # Read-only (GET and HEAD), containers only: no exec, images, networks, volumes, ...
    granted = {name for name, value in as_mapping(proxy["environment"]).items() if value == "1"}
    assert granted == {"CONTAINERS"}
    assert as_mapping(proxy["environment"])["POST"] == "0"
    assert "ports" not in proxy
    assert "labels" not in proxy
    # Reached only by Traefik, on a network with no route out.
    assert compose["networks"]["docker-api"]["internal"] is True
    on_proxy_network = sorted(n for n, s in services.items() if "docker-api" in networks_of(s))
    assert on_proxy_network == ["docker-api", "traefik"]
    docker_provider = yaml.safe_load(TRAEFIK_STATIC.read_text())["providers"]["docker"]
    assert docker_provider["endpoint"] == "tcp://docker-api:2375"


def test_the_key_check_plugin_is_loaded_from_the_repository(services) -> None:
    plugins = yaml.safe_load(TRAEFIK_STATIC.read_text())["experimental"]["localPlugins"]
    module = plugins["apikey"]["moduleName"]
    source = ROOT / "gateway" / "plugins-local" / "src" / module
    manifest = yaml.safe_load((source / ".traefik.yml").read_text())
    assert manifest["import"] == module
    assert manifest["type"] == "middleware"
    assert list(source.glob("*.go"))
    # ./plugins-local is resolved against Traefik's working directory.
    assert services["traefik"]["working_dir"] == "/"
    routes = yaml.safe_load(TRAEFIK_ROUTES.read_text())
    protected = {
        name: r
        for name, r in routes["http"]["routers"].items()
        if "api-key" in r.get("middlewares", [])
    }
    assert set(protected) == {
        "webhooks",
        "webhook-batch",
        "otlp",
        "live-feed",
        "notifications",
        "api",
    }
    assert all(r["middlewares"][0] == "api-key" for r in protected.values())


def test_the_keys_service_writes_where_traefik_reads(services) -> None:
    keys = services["keys"]
    output = Path(as_argv(keys["command"])[3])
    assert f"gateway-keys:{output.parent}" in keys["volumes"]
    assert "./gateway/keys:/etc/tracker/keys:ro" in keys["volumes"]
    key_file = Path(as_mapping(keys["environment"])["API_KEYS_FILE"])
    assert key_file.parent == Path("/etc/tracker/keys")
    assert (ROOT / "gateway" / "keys" / key_file.name).is_file()
    assert str(output) in " ".join(keys["healthcheck"]["test"])
    assert "labels" not in keys
    assert "ports" not in keys


def test_data_services_are_pinned_and_persistent(services) -> None:
    postgres, redis = services["postgres"], services["redis"]
    assert re.fullmatch(r"postgres:18\.\d+(-\w+)?", postgres["image"]), postgres["image"]
    assert any(volume.endswith(":/var/lib/postgresql") for volume in postgres["volumes"])
    assert "pg_isready" in postgres["healthcheck"]["test"]
    assert redis["image"] == "redis:7.4.2-bookworm"
    assert any(volume.endswith(":/data") for volume in redis["volumes"])
    argv = as_argv(redis["command"])
    assert argv[argv.index("--appendonly") + 1] == "yes"
    assert argv[argv.index("--appendfsync") + 1] == "always"  # REDIS_APPENDFSYNC unset
    assert argv[argv.index("--requirepass") + 1] == TEST_ENV["REDIS_PASSWORD"]
    assert "ping" in " ".join(redis["healthcheck"]["test"])
    # redis-cli in the healthcheck authenticates from the environment.
    assert as_mapping(redis["environment"])["REDISCLI_AUTH"] == TEST_ENV["REDIS_PASSWORD"]


def test_redis_memory_is_bounded_and_never_evicts(services) -> None:
    argv = as_argv(services["redis"]["command"])
    assert argv[argv.index("--maxmemory") + 1] == DEFAULT_MAXMEMORY  # REDIS_MAXMEMORY unset
    assert argv[argv.index("--maxmemory-policy") + 1] == "noeviction"


# --- Traefik's Docker provider labels ---------------------------------------------------------


@pytest.mark.parametrize(("name", "port"), sorted(ROUTED_PORTS.items()))
def test_routed_services_declare_their_load_balancer_port(services, name: str, port: int) -> None:
    service = services[name]
    labels = as_mapping(service.get("labels"))
    assert labels.get("traefik.enable") == "true"
    assert labels.get(f"traefik.http.services.{name}.loadbalancer.server.port") == str(port)
    assert [label for label in labels if label.startswith("traefik.http.routers.")] == []
    if name in APP_COMMANDS:
        argv = as_argv(service["command"]) if "command" in service else APP_COMMANDS[name][1]
        assert argv[argv.index("--port") + 1] == str(port)
    # Traefik routes only to healthy containers, so each needs a healthcheck on its own port.
    assert f"127.0.0.1:{port}/" in " ".join(service["healthcheck"]["test"])
    # And Traefik probes each replica itself, as often as `make run`'s: a dead one is out of
    # rotation before the routes' `retry-unreached` gives up on a request it refused.
    probe = {
        key.rsplit(".", 1)[1]: value
        for key, value in labels.items()
        if key.startswith(f"traefik.http.services.{name}.loadbalancer.healthcheck.")
    }
    path = traefik.LIVENESS_PATHS.get(name, "/health")
    assert probe == {"path": path, **traefik.HEALTH_CHECK}


def test_every_service_the_routes_use_is_declared_by_labels(services) -> None:
    used = set(
        re.findall(r"(\w+)@\{\{ env \"TRACKER_SERVICE_PROVIDER\" \}\}", TRAEFIK_ROUTES.read_text())
    )
    assert used == set(ROUTED_PORTS)
    labelled = {
        label.split(".")[3]
        for service in services.values()
        for label in as_mapping(service.get("labels"))
        if label.startswith("traefik.http.services.")
    }
    assert labelled == used


def test_the_query_worker_is_not_routed_and_checks_its_own_readiness(services) -> None:
    worker = services["query-worker"]
    assert "labels" not in worker
    assert "ports" not in worker
    assert services["query-worker"]["image"] == services["query"]["image"]
    argv = as_argv(worker["command"])
    port = argv[argv.index("--port") + 1]
    assert f"127.0.0.1:{port}/ready" in " ".join(worker["healthcheck"]["test"])
    portal = as_mapping(services["portal"]["environment"])
    assert portal["PORTAL_QUERY_WORKER_URL"] == f"http://query-worker:{port}"


def test_portal_health_check_does_not_use_the_aggregate_health(services) -> None:
    test = " ".join(services["portal"]["healthcheck"]["test"])
    assert "127.0.0.1:8005/docs" in test
    assert "/health" not in test


# --- Start-up order and configuration ---------------------------------------------------------


def test_startup_order(services) -> None:
    assert depends_on(services["migrate"]) == {"postgres": "service_healthy"}
    for name in ("query", "query-worker"):
        assert depends_on(services[name]) == {
            "migrate": "service_completed_successfully",
            "postgres": "service_healthy",
            "redis": "service_healthy",
        }, name
    assert depends_on(services["migrate-notify"]) == {"postgres": "service_healthy"}
    assert depends_on(services["notify"]) == {
        "migrate-notify": "service_completed_successfully",
        "postgres": "service_healthy",
        "redis": "service_healthy",
    }
    for name in ("ingest", "realtime"):
        assert depends_on(services[name])["redis"] == "service_healthy", name
    for name in ("migrate", "migrate-notify"):
        assert services[name].get("restart", "no") == "no", name


def test_services_reach_each_other_by_service_name(services) -> None:
    database_url = "postgresql+asyncpg://tracker:pg-secret@postgres:5432/tracker"
    for name in ("migrate", "migrate-notify", "query", "query-worker", "notify"):
        assert as_mapping(services[name]["environment"])["DATABASE_URL"] == database_url
    for name in ("ingest", "query", "query-worker", "realtime", "notify"):
        redis_url = as_mapping(services[name]["environment"])["REDIS_URL"]
        assert redis_url == "redis://:rd-secret@redis:6379/0"
    assert as_mapping(services["postgres"]["environment"])["POSTGRES_PASSWORD"] == "pg-secret"
    portal = as_mapping(services["portal"]["environment"])
    assert {key: value for key, value in portal.items() if key.endswith("_URL")} == {
        "PORTAL_INGEST_URL": "http://ingest:8001",
        "PORTAL_QUERY_URL": "http://query:8002",
        "PORTAL_REALTIME_URL": "http://realtime:8003",
        "PORTAL_QUERY_WORKER_URL": "http://query-worker:8007",
        "PORTAL_NOTIFY_URL": "http://notify:8008",
    }
    secret = load_compose({**TEST_ENV, "POSTGRES_PASSWORD": "s3cret"})["services"]
    assert ":s3cret@postgres:" in as_mapping(secret["query"]["environment"])["DATABASE_URL"]
    assert as_mapping(secret["postgres"]["environment"])["POSTGRES_PASSWORD"] == "s3cret"


def test_app_services_read_optional_settings_from_dot_env(services) -> None:
    for name in ("ingest", "query", "query-worker", "realtime", "notify", "keys", "portal"):
        assert services[name]["env_file"] == [{"path": ".env", "required": False}], name

"""The Kubernetes manifests (deploy/), rendered and checked without a cluster.

Every overlay is rendered with the Kustomize inside the locked kubectl, validated against the
Kubernetes JSON schemas (strict: an unknown field is an error) of the oldest and the newest
Kubernetes it is meant for, then held to this project's rules: unprivileged read-only
containers, probes and resources everywhere, secrets only by reference, one migration per
release, and a gateway that runs the files of gateway/ themselves.
"""

import copy
import os
import re
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from tools.manifests import IMAGE_PREFIX, IMAGES, ROOT, render_release
from tracker_gateway.static_config import platform_config

from .rendered import (
    KUBERNETES_VERSIONS,
    NAMESPACE,
    Manifest,
    all_overlays,
    containers,
    env_names,
    manifests,
    named,
    of_kind,
    pod_spec,
    project_version,
)

GATEWAY = ROOT / "gateway"
# Cluster-wide objects carry no namespace.
CLUSTER_SCOPED = {"Namespace", "ClusterRole", "ClusterRoleBinding", "IngressClass"}
# The settings that hold a password or a key: from a Secret, never written in a manifest.
SECRET_SETTINGS = {
    "DATABASE_URL",
    "REDIS_URL",
    "API_KEY",
    "API_KEYS",
    "POSTGRES_PASSWORD",
    "REDIS_PASSWORD",
    "REDISCLI_AUTH",
    "SMTP_PASSWORD",
}


def schema_errors(document: Manifest, version: str) -> list[str]:
    try:
        kubernetes_validate.validate(document, version, strict=True)
    except kubernetes_validate.ValidationError as invalid:
        return [f"{'.'.join(map(str, invalid.path))}: {invalid.message}"]
    return []


@pytest.fixture(params=all_overlays())
def overlay(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


@pytest.fixture
def documents(overlay: str) -> tuple[Manifest, ...]:
    return manifests(overlay)


# --- Rendering and the Kubernetes schemas -----------------------------------------------------


def test_the_overlays_are_the_documented_ones() -> None:
    assert all_overlays() == ["production", "production-sentinel", "trial"]


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
def test_every_object_is_valid_against_the_kubernetes_schemas(documents, version: str) -> None:
    errors = {
        f"{document['kind']}/{document['metadata']['name']}": schema_errors(document, version)
        for document in documents
    }
    assert {name: found for name, found in errors.items() if found} == {}


def test_the_schema_check_rejects_an_unknown_field_and_a_wrong_type() -> None:
    deployment = copy.deepcopy(named(manifests("trial"), "Deployment", "ingest"))
    container = pod_spec(deployment)["containers"][0]
    container["securityContext"]["readOnlyRootFilesytem"] = True
    assert schema_errors(deployment, "1.37")
    deployment = copy.deepcopy(named(manifests("trial"), "Deployment", "ingest"))
    pod_spec(deployment)["containers"][0]["ports"][0]["containerPort"] = "8001"
    assert schema_errors(deployment, "1.37")


def test_every_object_is_in_the_installation_namespace(documents) -> None:
    for document in documents:
        if document["kind"] not in CLUSTER_SCOPED:
            assert document["metadata"].get("namespace") == NAMESPACE, document["metadata"]
    for binding in of_kind(documents, "RoleBinding"):
        assert all(subject["namespace"] == NAMESPACE for subject in binding["subjects"])


def test_every_object_is_labelled_as_part_of_the_system(documents) -> None:
    for document in documents:
        labels = document["metadata"].get("labels", {})
        assert labels.get("app.kubernetes.io/part-of") == "agent-task-tracker", document["metadata"]
    for workload in of_kind(documents, "Deployment", "StatefulSet", "Job"):
        labels = workload["spec"]["template"]["metadata"]["labels"]
        assert labels.get("app.kubernetes.io/part-of") == "agent-task-tracker"


# --- Containers: unprivileged, read-only, bounded, probed -------------------------------------


def test_every_pod_runs_unprivileged_with_the_default_seccomp_profile(documents) -> None:
    for workload in of_kind(documents, "Deployment", "StatefulSet", "Job"):
        security = pod_spec(workload)["securityContext"]
        assert security["runAsNonRoot"] is True, workload["metadata"]["name"]
        assert security["runAsUser"] != 0
        assert security["seccompProfile"] == {"type": "RuntimeDefault"}


def test_every_container_is_read_only_without_capabilities(documents) -> None:
    for container in containers(documents):
        security = container.spec["securityContext"]
        assert security["readOnlyRootFilesystem"] is True, container.name
        assert security["allowPrivilegeEscalation"] is False, container.name
        assert security["capabilities"] == {"drop": ["ALL"]}, container.name
        assert "privileged" not in security, container.name


def test_no_volume_is_mounted_inside_a_read_only_one(documents) -> None:
    """The runtime cannot create a mount point in a read-only volume: the pod would not start."""
    for container in containers(documents):
        mounts = container.spec.get("volumeMounts", [])
        read_only = [m["mountPath"] for m in mounts if m.get("readOnly")]
        for mount in mounts:
            inside = [p for p in read_only if mount["mountPath"].startswith(p.rstrip("/") + "/")]
            assert inside == [], (container.name, mount["mountPath"], inside)


def test_every_container_has_resource_requests_and_limits(documents) -> None:
    for container in containers(documents):
        resources = container.spec["resources"]
        for bound in ("requests", "limits"):
            assert set(resources[bound]) == {"cpu", "memory"}, (container.name, bound)


def test_every_long_running_container_has_probes_on_its_own_ports(documents) -> None:
    for container in containers(documents):
        if not container.long_running:
            continue
        probes = ("startupProbe", "livenessProbe", "readinessProbe")
        if container.init:  # a sidecar: ready once it has started, alive while it runs
            probes = ("startupProbe",)
        for probe in probes:
            assert probe in container.spec, (container.name, probe)
            check = container.spec[probe]
            port = (check.get("httpGet") or check.get("tcpSocket") or {}).get("port")
            if port is not None:
                named_ports = {p["name"] for p in container.spec.get("ports", [])}
                assert port in named_ports, (container.name, probe, port)


def test_only_service_accounts_that_need_the_api_get_a_token(documents) -> None:
    with_token = sorted(
        workload["metadata"]["name"]
        for workload in of_kind(documents, "Deployment", "StatefulSet", "Job")
        if pod_spec(workload).get("automountServiceAccountToken") is not False
    )
    assert with_token == ["gateway"]


# --- Secrets ----------------------------------------------------------------------------------


def test_no_secret_is_rendered_and_secret_settings_come_from_secrets(documents) -> None:
    assert of_kind(documents, "Secret") == []
    for container in containers(documents):
        for variable in container.spec.get("env", []):
            if variable["name"] in SECRET_SETTINGS:
                assert "value" not in variable, (container.name, variable["name"])
                assert "secretKeyRef" in variable["valueFrom"], (container.name, variable)
    for config_map in of_kind(documents, "ConfigMap"):
        assert not SECRET_SETTINGS & set(config_map.get("data", {})), config_map["metadata"]


def test_no_manifest_holds_a_credential(documents) -> None:
    text = yaml.safe_dump_all(list(documents))
    assert not re.search(r"://[^/\s:@]*:[^/\s@$]+@", text), "a URL with a password"
    assert "BEGIN PRIVATE KEY" not in text


# --- Images and releases ----------------------------------------------------------------------


def test_images_are_this_release_of_this_project_or_pinned_third_party(documents) -> None:
    version = project_version()
    for container in containers(documents):
        image = container.spec["image"]
        name, _, tag = image.rpartition(":")
        assert name, (container.name, image)
        assert tag not in ("", "latest"), (container.name, image)
        if any(name.endswith(IMAGE_PREFIX + service) for service in IMAGES):
            assert tag == version, (container.name, image)
        else:
            assert re.fullmatch(r"v?\d+\.\d+(\.\d+)?(-\w+)?", tag), (container.name, image)


def test_third_party_images_are_those_compose_runs(documents) -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    used = {container.spec["image"] for container in containers(documents)}
    assert compose["traefik"]["image"] in used
    for service in ("postgres", "redis"):
        images = {image for image in used if image.startswith(f"{service}:")}
        assert images <= {compose[service]["image"]}, images


# Each migration Job, the module it runs, and the Deployments that wait for its schema.
MIGRATION_JOBS = {
    "migrate": ("tracker_query.migrate", ("query-api", "query-worker")),
    "migrate-notify": ("tracker_notify.migrate", ("notify",)),
}


def test_each_release_migrates_once_before_its_processes_start(documents) -> None:
    jobs = {
        job["metadata"]["labels"]["app.kubernetes.io/name"]: job
        for job in of_kind(documents, "Job")
    }
    assert set(jobs) == set(MIGRATION_JOBS)
    for name, (module, waiting) in MIGRATION_JOBS.items():
        assert jobs[name]["metadata"]["name"] == f"{name}-to-{project_version()}"
        (migrate,) = pod_spec(jobs[name])["containers"]
        assert migrate["command"] == ["python", "-m", module]
        for name in waiting:
            spec = pod_spec(named(documents, "Deployment", name))
            (wait,) = spec["initContainers"]
            assert wait["command"][:4] == ["python", "-m", module, "--wait"]
            assert wait["image"] == migrate["image"] == spec["containers"][0]["image"]


def test_a_release_renders_with_its_version_and_registry() -> None:
    text = render_release("production", "2.5.0-rc.1", "registry.example.com/team/tracker")
    documents = [document for document in yaml.safe_load_all(text) if document]
    jobs = [document["metadata"]["name"] for document in documents if document["kind"] == "Job"]
    assert sorted(jobs) == sorted(f"{name}-to-2.5.0-rc.1" for name in MIGRATION_JOBS)
    images = {container.spec["image"] for container in containers(tuple(documents))}
    ours = {image for image in images if "/tracker/" in image}
    assert ours == {f"registry.example.com/team/tracker/{service}:2.5.0-rc.1" for service in IMAGES}
    assert not any(IMAGE_PREFIX in image for image in images - ours)


def test_the_overlays_run_the_project_version() -> None:
    for overlay in ("trial", "production"):
        release = named(manifests(overlay), "ConfigMap", "tracker-release")
        assert release["data"] == {"version": project_version()}


# --- Scaling and availability -----------------------------------------------------------------


def test_ingest_the_api_and_the_gateway_autoscale_on_cpu(documents) -> None:
    autoscalers = {
        hpa["spec"]["scaleTargetRef"]["name"]: hpa
        for hpa in of_kind(documents, "HorizontalPodAutoscaler")
    }
    assert set(autoscalers) == {"ingest", "query-api", "gateway"}
    for name, hpa in autoscalers.items():
        assert hpa["spec"]["scaleTargetRef"]["kind"] == "Deployment"
        (metric,) = hpa["spec"]["metrics"]
        assert metric["resource"]["name"] == "cpu", name
        assert hpa["spec"]["maxReplicas"] > hpa["spec"]["minReplicas"] >= 1
        # The autoscaler owns the count: a Deployment's own would fight it on every apply.
        assert "replicas" not in named(documents, "Deployment", name)["spec"], name


def test_every_deployment_has_a_disruption_budget_and_a_service(documents) -> None:
    budgets = of_kind(documents, "PodDisruptionBudget")
    services = of_kind(documents, "Service")
    for workload in of_kind(documents, "Deployment", "StatefulSet"):
        labels = workload["spec"]["template"]["metadata"]["labels"]
        assert workload["spec"]["selector"]["matchLabels"].items() <= labels.items()
        if workload["kind"] == "Deployment":
            covering = [
                b for b in budgets if b["spec"]["selector"]["matchLabels"].items() <= labels.items()
            ]
            assert len(covering) == 1, workload["metadata"]["name"]
        serving = [s for s in services if s["spec"]["selector"].items() <= labels.items()]
        assert len(serving) == 1, workload["metadata"]["name"]
        ports = {p["name"] for c in pod_spec(workload)["containers"] for p in c.get("ports", [])}
        assert {p["targetPort"] for p in serving[0]["spec"]["ports"]} <= ports


PRIVATE_NETWORKS = {"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16"}


def test_only_notify_calls_out_and_not_on_web_ports_into_private_networks(documents) -> None:
    egress = [
        p for p in of_kind(documents, "NetworkPolicy") if "Egress" in p["spec"]["policyTypes"]
    ]
    assert [p["metadata"]["name"] for p in egress] == ["notify-egress"]
    (policy,) = egress
    assert policy["spec"]["podSelector"] == {"matchLabels": {"app.kubernetes.io/name": "notify"}}
    web_ports = set()
    for rule in policy["spec"]["egress"]:
        ports = {p["port"] for p in rule["ports"]}
        if ports & {80, 443}:
            web_ports |= ports
            blocks = [peer["ipBlock"] for peer in rule["to"]]
            ipv4 = next(block for block in blocks if block["cidr"] == "0.0.0.0/0")
            assert set(ipv4["except"]) >= PRIVATE_NETWORKS
            assert all("except" in block for block in blocks)
        else:  # DNS, the datastores, SMTP: no web port anywhere
            assert not ports & {80, 443, 8000, 8001, 8002, 8003, 8005, 8008}
    assert web_ports == {80, 443}


def test_only_the_gateway_is_reachable_from_outside(documents) -> None:
    policies = {p["metadata"]["name"]: p for p in of_kind(documents, "NetworkPolicy")}
    assert policies["default-deny-ingress"]["spec"] == {
        "podSelector": {},
        "policyTypes": ["Ingress"],
    }
    routed = policies["routed-services"]["spec"]
    allowed = {
        peer["podSelector"]["matchLabels"]["app.kubernetes.io/name"]
        for rule in routed["ingress"]
        for peer in rule["from"]
    }
    assert allowed == {"gateway", "portal"}
    open_to_all = [
        name
        for name, policy in policies.items()
        if any("from" not in rule for rule in policy["spec"].get("ingress", []))
    ]
    assert sorted(open_to_all) == ["gateway", "query-worker-metrics"]
    exposed = [
        s
        for s in of_kind(documents, "Service")
        if s["spec"].get("type", "ClusterIP") != "ClusterIP"
    ]
    assert [s["metadata"]["name"] for s in exposed] in ([], ["gateway"])


# --- The gateway: the files of gateway/, run on Kubernetes ------------------------------------


def config_map_files(documents: tuple[Manifest, ...], name: str) -> dict[str, str]:
    data: dict[str, str] = named(documents, "ConfigMap", name)["data"]
    return data


def test_the_gateway_configuration_is_the_files_of_gateway_themselves(documents) -> None:
    assert config_map_files(documents, "gateway-static") == {
        "traefik.yml": (GATEWAY / "traefik.yml").read_text()
    }
    assert config_map_files(documents, "gateway-routes") == {
        "routes.yml": (GATEWAY / "dynamic" / "routes.yml").read_text()
    }
    plugin = GATEWAY / "plugins-local" / "src" / "github.com" / "agent-task-tracker" / "apikey"
    shipped = {
        path.name: path.read_text()
        for path in plugin.iterdir()
        if not path.name.endswith("_test.go")
    }
    assert config_map_files(documents, "gateway-plugin") == shipped


def traefik_pod(documents: tuple[Manifest, ...]) -> dict[str, Any]:
    return pod_spec(named(documents, "Deployment", "gateway"))


def mounted(container: dict[str, Any], spec: dict[str, Any]) -> dict[str, tuple[str, str | None]]:
    """mount path -> (ConfigMap name, or volume name for anything else; subPath)."""
    volumes = {volume["name"]: volume for volume in spec["volumes"]}
    found = {}
    for mount in container["volumeMounts"]:
        volume = volumes[mount["name"]]
        source = volume["configMap"]["name"] if "configMap" in volume else mount["name"]
        found[mount["mountPath"]] = (re.sub(r"-[a-z0-9]{10}$", "", source), mount.get("subPath"))
    return found


def effective_static_config(documents: tuple[Manifest, ...], tmp_path: Path) -> dict[str, Any]:
    """What the gateway pod's first step writes for Traefik, computed here the same way."""
    spec = traefik_pod(documents)
    (step,) = [c for c in spec["initContainers"] if c["name"] == "static-config"]
    assert step["command"][:3] == ["python", "-m", "tracker_gateway.static_config"]
    shared_path, patch_path, output = (Path(argument) for argument in step["command"][3:])
    mounts = mounted(step, spec)
    files = {}
    for path in (shared_path, patch_path):
        config_map, _ = mounts[str(path.parent)]
        files[path] = tmp_path / path.name
        files[path].write_text(config_map_files(documents, config_map)[path.name])
    (traefik,) = spec["containers"]
    assert mounted(traefik, spec)[str(output.parent)] == ("static", None)
    assert traefik["args"] == [f"--configFile={output}"]
    return platform_config(files[shared_path], files[patch_path], {"POD_NAMESPACE": NAMESPACE})


def test_traefik_keeps_the_shared_static_configuration_but_its_providers(
    documents, tmp_path
) -> None:
    shared = yaml.safe_load((GATEWAY / "traefik.yml").read_text())
    config = effective_static_config(documents, tmp_path)
    assert {k: v for k, v in config.items() if k not in ("providers", "entryPoints")} == {
        k: v for k, v in shared.items() if k not in ("providers", "entryPoints")
    }
    assert {k: v for k, v in config["entryPoints"].items() if k in shared["entryPoints"]} == shared[
        "entryPoints"
    ]
    extra = set(config["entryPoints"]) - set(shared["entryPoints"])
    assert extra == {"kubernetes-services"}
    assert config["entryPoints"]["kubernetes-services"]["address"].startswith("127.0.0.1:")
    assert set(config["providers"]) == {"file", "kubernetesIngress"}
    ingress = config["providers"]["kubernetesIngress"]
    assert ingress["namespaces"] == [NAMESPACE]
    assert ingress["disableClusterScopeResources"] is True


def test_traefik_watches_the_routes_the_services_and_the_keys_in_one_directory(
    documents, tmp_path
) -> None:
    config = effective_static_config(documents, tmp_path)
    directory = config["providers"]["file"]["directory"]
    assert config["providers"]["file"]["watch"] is True
    spec = traefik_pod(documents)
    (traefik,) = spec["containers"]
    mounts = mounted(traefik, spec)
    assert mounts[directory] == ("dynamic", None)
    assert mounts[f"{directory}/routes.yml"] == ("gateway-routes", "routes.yml")
    assert mounts[f"{directory}/services.yml"] == ("gateway-kubernetes", "services.yml")
    (keys,) = [c for c in spec["initContainers"] if c["name"] == "keys"]
    assert keys["restartPolicy"] == "Always"  # a sidecar, started before Traefik
    output = Path(keys["command"][3])
    assert keys["command"][:3] == ["python", "-m", "tracker_gateway.keysync"]
    assert "--watch" in keys["command"]
    assert mounted(keys, spec)[str(output.parent)] == ("dynamic", None)
    assert str(output) in keys["startupProbe"]["exec"]["command"]
    plugin = config["experimental"]["localPlugins"]["apikey"]["moduleName"]
    assert traefik["workingDir"] == "/"
    assert mounts["/plugins-local"] == ("gateway-plugin", None)
    (volume,) = [v for v in spec["volumes"] if v["name"] == "plugin"]
    assert {item["path"] for item in volume["configMap"]["items"]} == {
        f"src/{plugin}/{name}" for name in (".traefik.yml", "apikey.go", "go.mod")
    }


def go_env(text: str, env: dict[str, str]) -> str:
    """Traefik's `{{ env "NAME" }}` templates, as its file provider renders them."""
    return re.sub(r'\{\{ env "(\w+)" \}\}', lambda match: env[match[1]], text)


def test_every_service_the_routes_name_is_the_load_balancer_of_a_kubernetes_service(
    documents,
) -> None:
    spec = traefik_pod(documents)
    (traefik,) = spec["containers"]
    env = {variable["name"]: variable.get("value") for variable in traefik["env"]}
    assert env["TRACKER_SERVICE_PROVIDER"] == "file"
    assert traefik["env"][[v["name"] for v in traefik["env"]].index("POD_NAMESPACE")][
        "valueFrom"
    ] == {"fieldRef": {"fieldPath": "metadata.namespace"}}
    routes = (GATEWAY / "dynamic" / "routes.yml").read_text()
    used = set(re.findall(r"'(\w+)@\{\{ env \"TRACKER_SERVICE_PROVIDER\" \}\}'", routes))
    services_file = config_map_files(documents, "gateway-kubernetes")["services.yml"]
    services = yaml.safe_load(go_env(services_file, {"POD_NAMESPACE": NAMESPACE}))["http"][
        "services"
    ]
    assert set(services) == used
    ingress = named(documents, "Ingress", "gateway-services")
    annotations = ingress["metadata"]["annotations"]
    assert annotations["traefik.ingress.kubernetes.io/router.entrypoints"] == "kubernetes-services"
    config = yaml.safe_load(
        (ROOT / "deploy" / "base" / "gateway" / "kubernetes-static.yml").read_text()
    )
    assert (
        annotations["kubernetes.io/ingress.class"]
        == config["providers"]["kubernetesIngress"]["ingressClass"]
    )
    backends = {
        path["backend"]["service"]["name"]: path["backend"]["service"]["port"]["name"]
        for rule in ingress["spec"]["rules"]
        for path in rule["http"]["paths"]
    }
    for name, service in services.items():
        (target,) = service["weighted"]["services"]
        match = re.fullmatch(rf"{NAMESPACE}-(.+)-(\w+)@kubernetes", target["name"])
        assert match, target
        kubernetes_service, port = match.groups()
        assert backends[kubernetes_service] == port, name
        ports = {
            p["name"] for p in named(documents, "Service", kubernetes_service)["spec"]["ports"]
        }
        assert port in ports


def test_the_gateway_may_read_its_namespace_only(documents) -> None:
    assert of_kind(documents, "ClusterRole", "ClusterRoleBinding") == []
    (role,) = of_kind(documents, "Role")
    verbs = {verb for rule in role["rules"] for verb in rule["verbs"]}
    assert verbs == {"get", "list", "watch"}
    binding = named(documents, "RoleBinding", "gateway")
    assert binding["roleRef"]["name"] == role["metadata"]["name"]
    assert [s["name"] for s in binding["subjects"]] == [
        traefik_pod(documents)["serviceAccountName"]
    ]


def test_keys_come_from_the_api_keys_secret(documents) -> None:
    spec = traefik_pod(documents)
    (keys,) = [c for c in spec["initContainers"] if c["name"] == "keys"]
    key_file = Path(next(v["value"] for v in keys["env"] if v["name"] == "API_KEYS_FILE"))
    (volume,) = [v for v in spec["volumes"] if v["name"] == "api-keys"]
    assert volume["secret"]["secretName"] == "tracker-api-keys"
    assert mounted(keys, spec)[str(key_file.parent)] == ("api-keys", None)
    assert env_names(keys) == {"API_KEYS_FILE", "API_KEY", "API_KEYS"}


def test_the_release_tool_leaves_nothing_behind() -> None:
    render_release("trial", "9.9.9")
    assert not [p for p in (ROOT / "deploy" / "overlays").iterdir() if p.name.startswith(".")]
    assert os.path.isdir(ROOT / "deploy" / "overlays" / "trial")

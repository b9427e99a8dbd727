"""`tracker_gateway.static_config`: a platform's Traefik static file from the shared one."""

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tracker_gateway.static_config import merge_patch, platform_config

SHARED = {
    "entryPoints": {"web": {"address": ":8000", "http": {"aliasHeadersStrategy": "delete"}}},
    "providers": {"docker": {"endpoint": "tcp://docker-api:2375"}, "file": {"watch": True}},
    "log": {"level": "INFO"},
}


def test_a_merge_patch_merges_mappings_deletes_nulls_and_replaces_the_rest() -> None:
    patch = {
        "entryPoints": {"internal": {"address": "127.0.0.1:8081"}},
        "providers": {"docker": None, "file": {"directory": "/d"}, "kubernetesIngress": {}},
        "log": {"level": ["DEBUG"]},
        "absent": None,
    }
    assert merge_patch(SHARED, patch) == {
        "entryPoints": {
            "web": {"address": ":8000", "http": {"aliasHeadersStrategy": "delete"}},
            "internal": {"address": "127.0.0.1:8081"},
        },
        "providers": {"file": {"watch": True, "directory": "/d"}, "kubernetesIngress": {}},
        "log": {"level": ["DEBUG"]},
    }
    assert "docker" in SHARED["providers"]  # the shared configuration itself is left as it was


def test_variables_of_the_patch_come_from_the_environment(tmp_path: Path) -> None:
    shared, patch = tmp_path / "traefik.yml", tmp_path / "patch.yml"
    shared.write_text(yaml.safe_dump(SHARED))
    patch.write_text('providers:\n  kubernetesIngress:\n    namespaces: ["${POD_NAMESPACE}"]\n')
    config = platform_config(shared, patch, {"POD_NAMESPACE": "tracker"})
    assert config["providers"]["kubernetesIngress"] == {"namespaces": ["tracker"]}
    with pytest.raises(KeyError, match="POD_NAMESPACE"):
        platform_config(shared, patch, {})


def test_the_command_writes_the_file_or_names_the_missing_variable(tmp_path: Path) -> None:
    shared, patch, output = tmp_path / "traefik.yml", tmp_path / "patch.yml", tmp_path / "out.yml"
    shared.write_text(yaml.safe_dump(SHARED))
    patch.write_text("providers:\n  docker: null\nlog:\n  level: ${LEVEL}\n")
    command = [sys.executable, "-m", "tracker_gateway.static_config", shared, patch, output]
    written = subprocess.run(command, env={"LEVEL": "WARN"}, capture_output=True, text=True)
    assert written.returncode == 0, written.stderr
    assert yaml.safe_load(output.read_text()) == {
        "entryPoints": SHARED["entryPoints"],
        "providers": {"file": {"watch": True}},
        "log": {"level": "WARN"},
    }
    missing = subprocess.run(command, env={}, capture_output=True, text=True)
    assert missing.returncode == 2
    assert "LEVEL" in missing.stderr

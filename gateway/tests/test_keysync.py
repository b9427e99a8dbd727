"""`tracker_gateway.keysync`: the keys as Traefik's key-check plugin is configured with them."""

import hashlib
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tracker_gateway.keysync import render

from .test_keys import configured

SECRET = "Do-not-write-me-anywhere"
HEX = hashlib.sha256(b"hashed-key").hexdigest()


def plugin_config(text: str) -> dict[str, object]:
    middleware = yaml.safe_load(text)["http"]["middlewares"]["api-key"]
    config: dict[str, object] = middleware["plugin"]["apikey"]
    return config


def test_the_configuration_holds_digests_never_keys(tmp_path: Path) -> None:
    key_file = tmp_path / "api-keys"
    key_file.write_text(f"# comment\n\nteam:read:{SECRET}2:a|b%7Cc\nh:ingest:sha256:{HEX}\n")
    settings = configured(api_key=SECRET, api_keys_file=str(key_file))
    text = render(settings.keys())
    assert SECRET not in text
    config = plugin_config(text)
    assert config["keyHeader"] == "X-API-Key"
    assert config["identityHeaders"] == {
        "name": "X-Auth-Key-Name",
        "scope": "X-Auth-Key-Scope",
        "projects": "X-Auth-Projects",
    }
    assert config["keys"] == [
        {
            "name": "default",
            "scope": "admin",
            "digest": hashlib.sha256(SECRET.encode()).hexdigest(),
        },
        {
            "name": "team",
            "scope": "read",
            "digest": hashlib.sha256(f"{SECRET}2".encode()).hexdigest(),
            "projects": ["a", "b|c"],
            "projectsHeader": "a|b%7Cc",
        },
        {"name": "h", "scope": "ingest", "digest": HEX},
    ]


def run_keysync(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tracker_gateway.keysync", str(tmp_path / "out" / "keys.yml")],
        env={"PATH": "/usr/bin:/bin", **env},
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )


def test_the_command_writes_the_file_or_says_why_not(tmp_path: Path) -> None:
    written = run_keysync(tmp_path, API_KEYS=f"ci:ingest:{SECRET}")
    assert written.returncode == 0, written.stderr
    assert plugin_config((tmp_path / "out" / "keys.yml").read_text())["keys"]
    for env, reason in [
        ({}, "No API key configured"),
        ({"API_KEYS": f"ci:reader:{SECRET}"}, "unknown scope"),
        ({"API_KEYS_FILE": str(tmp_path / "missing")}, "API_KEYS_FILE cannot be read"),
    ]:
        refused = run_keysync(tmp_path, **env)
        assert refused.returncode == 2
        assert reason in refused.stderr
        assert SECRET not in refused.stderr + refused.stdout


@pytest.mark.parametrize("line", ["no colon", f"bad name:{SECRET}", f"x:read:{SECRET}:a:b"])
def test_a_bad_line_in_the_file_names_its_line(tmp_path: Path, line: str) -> None:
    key_file = tmp_path / "api-keys"
    key_file.write_text(f"# keys\nok:read:k1\n{line}\n")
    with pytest.raises(ValueError, match="API_KEYS_FILE line 3") as refused:
        configured(api_keys_file=str(key_file))
    assert SECRET not in str(refused.value)

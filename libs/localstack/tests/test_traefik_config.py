"""The local gateway configuration works wherever `make run` was started: Traefik runs in the
gateway's directory, so every path it is given must be absolute."""

from pathlib import Path

import pytest
import yaml

from tracker_localstack import traefik


def test_a_relative_data_folder_gives_traefik_absolute_paths(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    config = traefik.write_config(
        Path(".data/gateway"),
        "127.0.0.1:8000",
        {"ingest": ["http://127.0.0.1:8001"]},
        Path(".data/logs/traefik-access.log"),
    )
    assert config.is_absolute()
    assert config.is_file()
    static = yaml.safe_load(config.read_text())
    dynamic = Path(static["providers"]["file"]["directory"])
    assert dynamic == tmp_path / ".data" / "gateway" / "dynamic"
    assert (dynamic / "routes.yml").is_file()
    assert Path(static["accessLog"]["filePath"]).is_absolute()
    assert traefik.keys_file(Path(".data/gateway")).parent == dynamic
    assert traefik.command(config)[-1] == f"--configFile={config}"
    # The compose entry point's options survive; only the address is local.
    assert static["entryPoints"]["web"]["address"] == "127.0.0.1:8000"
    assert static["entryPoints"]["web"]["http"]["aliasHeadersStrategy"] == "delete"

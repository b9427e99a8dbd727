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


def _seconds(duration: str) -> float:
    return (
        float(duration.removesuffix("ms")) / 1000
        if duration.endswith("ms")
        else float(duration.removesuffix("s"))
    )


def test_a_refused_request_is_retried_until_the_dead_replica_is_out_of_rotation() -> None:
    routes = yaml.safe_load((traefik.GATEWAY_DIR / "dynamic" / "routes.yml").read_text())["http"]
    retry = routes["middlewares"]["retry-unreached"]["retry"]
    # Only requests no replica received: no status code is retried.
    assert set(retry) == {"attempts", "initialInterval"}
    # Traefik waits initialInterval * m**k before try k + 2 (m = 2 ** (1 / (attempts - 1))),
    # each wait drawn within ±50 %: the shortest the tries can span.
    attempts, first = retry["attempts"], _seconds(retry["initialInterval"])
    shortest = sum(0.5 * first * 2 ** (k / (attempts - 1)) for k in range(attempts - 1))
    assert shortest > _seconds(traefik.HEALTH_CHECK["interval"])
    # Last in every router's chain, so that nothing before it runs twice.
    for name, router in routes["routers"].items():
        assert router["middlewares"][-1] == "retry-unreached", name

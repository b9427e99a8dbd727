"""`python -m tracker_localstack.when_ready URL… -- COMMAND…`: run COMMAND once every URL answers.

`make run` starts the gateway this way, so Traefik's first health probes find every service
already answering instead of logging a warning per service that is still starting. The command
replaces this process (same pid), so the process runner stops it as usual.
"""

import os
import sys
import time

import httpx

PATIENCE_SECONDS = 300.0


def wait_for(urls: list[str], seconds: float = PATIENCE_SECONDS) -> list[str]:
    """The URLs that still did not answer 200 after `seconds` (none when all did)."""
    waiting = list(urls)
    deadline = time.monotonic() + seconds
    with httpx.Client(timeout=1) as client:
        while waiting and time.monotonic() < deadline:
            waiting = [url for url in waiting if not _answers(client, url)]
            if waiting:
                time.sleep(0.1)
    return waiting


def _answers(client: httpx.Client, url: str) -> bool:
    try:
        return client.get(url).status_code == 200
    except httpx.TransportError:
        return False


def main(argv: list[str]) -> None:
    if "--" not in argv or argv.index("--") == len(argv) - 1:
        sys.exit("usage: python -m tracker_localstack.when_ready URL… -- COMMAND…")
    split = argv.index("--")
    urls, command = argv[:split], argv[split + 1 :]
    if silent := wait_for(urls):
        waited = ", ".join(silent)
        sys.exit(f"not started {command[0]}: {waited} did not answer in {PATIENCE_SECONDS:.0f} s")
    os.execv(command[0], command)  # noqa: S606  # a fixed program, no shell involved


if __name__ == "__main__":
    main(sys.argv[1:])

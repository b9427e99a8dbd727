"""Waiting until the gateway routes to every service."""

import time
from collections.abc import Callable, Iterable

import httpx

# Public routes that reach every service through Traefik's load balancers, which admit a
# server only after its first successful health probe.
THROUGH_EVERY_BALANCER = ("/health", "/db-check", "/redis-check", "/feed-check")


def wait_until_routed(
    url: str,
    *,
    paths: Iterable[str] = THROUGH_EVERY_BALANCER,
    passes: int = 3,
    seconds: float = 60,
    still_running: Callable[[], None] = lambda: None,
) -> bool:
    """Whether every path answered 200 `passes` times in a row within `seconds`.
    `still_running` is called between tries and may raise to give up early."""
    paths = tuple(paths)
    deadline = time.monotonic() + seconds
    in_a_row = 0
    while time.monotonic() < deadline and in_a_row < passes:
        still_running()
        try:
            answers = [httpx.get(url + path, timeout=2) for path in paths]
            in_a_row = in_a_row + 1 if all(a.status_code == 200 for a in answers) else 0
        except httpx.TransportError:
            in_a_row = 0
        time.sleep(0.2)
    return in_a_row >= passes

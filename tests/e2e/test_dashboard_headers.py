"""The dashboard through the real gateway: served under its Content-Security-Policy."""

from pathlib import Path

import httpx
import pytest
import yaml

from .conftest import Stack

ROUTES = Path(__file__).resolve().parents[2] / "gateway" / "dynamic" / "routes.yml"


@pytest.mark.parametrize("path", ["/", "/projects/web.ui/tasks/build-42", "/favicon.svg"])
def test_the_dashboard_is_served_with_its_security_headers(stack: Stack, path: str) -> None:
    middlewares = yaml.safe_load(ROUTES.read_text())["http"]["middlewares"]
    policy = middlewares["dashboard-headers"]["headers"]["contentSecurityPolicy"]
    answer = httpx.get(stack.url + path)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-security-policy"] == policy
    assert "frame-ancestors 'none'" in policy
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["referrer-policy"] == "no-referrer"
    assert answer.headers["x-frame-options"] == "DENY"

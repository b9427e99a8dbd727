"""The dashboard's Content-Security-Policy, set once by the gateway's `dashboard-headers`
middleware (dynamic/routes.yml) for `make run` and docker compose alike."""

import base64
import hashlib
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
ROUTES = yaml.safe_load((ROOT / "gateway" / "dynamic" / "routes.yml").read_text())["http"]
HEADERS = ROUTES["middlewares"]["dashboard-headers"]["headers"]


def policy() -> dict[str, list[str]]:
    directives = (d.split() for d in HEADERS["contentSecurityPolicy"].split(";") if d.strip())
    return {name: sources for name, *sources in directives}


class InlineScripts(HTMLParser):
    """The text of every <script> without a `src`, exactly as the browser hashes it."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.scripts: list[str] = []
        self._inside = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "script" and "src" not in dict(attrs):
            self._inside = True
            self.scripts.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._inside = False

    def handle_data(self, data: str) -> None:
        if self._inside:
            self.scripts[-1] += data


def script_hashes(html: str) -> set[str]:
    parser = InlineScripts()
    parser.feed(html)
    return {
        f"'sha256-{base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()}'"
        for script in parser.scripts
    }


def test_the_dashboard_route_carries_the_policy() -> None:
    assert "dashboard-headers" in ROUTES["routers"]["dashboard"]["middlewares"]
    assert HEADERS["contentTypeNosniff"] is True
    assert HEADERS["frameDeny"] is True
    assert HEADERS["referrerPolicy"] == "no-referrer"


def test_the_policy_allows_only_the_dashboards_own_origin() -> None:
    directives = policy()
    assert directives["default-src"] == ["'self'"]
    assert directives["connect-src"] == ["'self'"]  # 'self' covers ws/wss to the same host
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["base-uri"] == ["'none'"]
    scripts = directives["script-src"]
    assert scripts[0] == "'self'"
    assert all(re.fullmatch(r"'sha256-[A-Za-z0-9+/]+=*'", source) for source in scripts[1:])


@pytest.mark.parametrize("page", ["web/index.html", "web/dist/index.html"])
def test_every_inline_script_of_the_page_is_allowed_by_its_hash(page: str) -> None:
    path = ROOT / page
    if not path.is_file():
        pytest.skip(f"{page} is not built (`make web`)")
    hashes = script_hashes(path.read_text())
    assert hashes, f"{page} has no inline script: drop its hash from the policy"
    assert hashes == set(policy()["script-src"][1:])


def test_the_hash_check_sees_a_changed_script() -> None:
    page = (ROOT / "web" / "index.html").read_text()
    changed = page.replace("tracker.theme", "tracker.colour")
    assert script_hashes(changed).isdisjoint(policy()["script-src"])

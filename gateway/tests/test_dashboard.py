"""The dashboard's static server: pages fall back to index.html, build files do not."""

from pathlib import Path

import httpx
import pytest

from tracker_gateway.dashboard import IMMUTABLE, NOT_BUILT, DashboardSettings, create_app


@pytest.fixture
def dist(tmp_path: Path) -> Path:
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text("<div id=root></div>")
    (tmp_path / "assets" / "index-abc123.js").write_text("console.log(1)")
    (tmp_path / "favicon.svg").write_text("<svg/>")
    return tmp_path


def client(dist_dir: Path) -> httpx.AsyncClient:
    app = create_app(DashboardSettings(dist_dir=dist_dir))
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://web")


@pytest.mark.parametrize(
    "path", ["/", "/projects/my-app", "/projects/my.app/tasks/build.42", "/stats"]
)
async def test_pages_answer_with_the_app_and_are_revalidated(dist: Path, path: str) -> None:
    async with client(dist) as web:
        response = await web.get(path)
    assert response.status_code == 200
    assert response.text == "<div id=root></div>"
    assert response.headers["cache-control"] == "no-cache"


async def test_hashed_assets_are_cached_for_good(dist: Path) -> None:
    async with client(dist) as web:
        response = await web.get("/assets/index-abc123.js")
    assert response.status_code == 200
    assert response.headers["cache-control"] == IMMUTABLE


async def test_missing_build_files_stay_missing(dist: Path) -> None:
    async with client(dist) as web:
        response = await web.get("/assets/gone-123.js")
    assert response.status_code == 404


async def test_other_files_are_served_as_they_are(dist: Path) -> None:
    async with client(dist) as web:
        response = await web.get("/favicon.svg")
    assert response.status_code == 200
    assert response.text == "<svg/>"


async def test_an_unbuilt_dashboard_says_how_to_build_it_and_stays_live(tmp_path: Path) -> None:
    async with client(tmp_path / "nothing") as web:
        page = await web.get("/projects/x")
        health = await web.get("/health")
    assert page.status_code == 503
    assert page.text == NOT_BUILT
    assert health.status_code == 200

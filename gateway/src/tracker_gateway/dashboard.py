"""Serves the built dashboard (`web/dist`) for `make run`, behind the gateway's `/` route.

A single-page app: any path that is not a file (`/projects/my.app`, names may hold dots) answers
with `index.html` and the browser's router shows the view; only missing build files under
`/assets/` stay 404. docker-compose serves the same files from its own nginx image instead
(`web/Dockerfile`).
"""

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

# File names under assets/ carry a content hash: a new build never reuses one.
ASSETS = "assets/"
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
NOT_BUILT = "The dashboard is not built yet: run `make web` (or `make run`, which builds it)."


class DashboardSettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", env_prefix="DASHBOARD_")

    dist_dir: Path = Field(default=Path("web/dist"), description="The output of `npm run build`.")


class SinglePageFiles(StaticFiles):
    async def get_response(self, path: str, scope: Scope) -> Response:
        try:
            response = await super().get_response(path, scope)
        except HTTPException as error:
            if error.status_code != 404 or path.startswith(ASSETS):
                raise
            response = await super().get_response("index.html", scope)
        hashed = path.startswith(ASSETS) and response.status_code == 200
        response.headers["Cache-Control"] = IMMUTABLE if hashed else REVALIDATE
        return response


def create_app(settings: DashboardSettings | None = None) -> Starlette:
    settings = settings or DashboardSettings()
    dist = settings.dist_dir.resolve()

    async def health(request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    async def not_built(request: Request) -> PlainTextResponse:
        return PlainTextResponse(NOT_BUILT, status_code=503)

    site: Route | Mount
    if (dist / "index.html").is_file():
        site = Mount("/", app=SinglePageFiles(directory=dist, html=True))
    else:
        site = Route("/{path:path}", not_built)
    return Starlette(routes=[Route("/health", health), site])

"""Who may read and change a project's notifications, as the gateway's identity headers say:
reading takes a key that may see the project with the read or admin scope, changing the admin
scope. A project the key may not see is not found (404), as in the query API."""

from typing import Annotated

from fastapi import Depends, HTTPException, Path, Request

from tracker_contracts import identity_of

from ..errors import NotFound

READING_SCOPES = ("read", "admin")


def _visible(request: Request, project: str) -> str:
    identity = identity_of(request.scope["headers"])
    if not identity.allows(project):
        raise NotFound(f"Project '{project}' not found")
    return identity.scope or ""


async def _readable(request: Request, project: Annotated[str, Path(max_length=128)]) -> str:
    scope = _visible(request, project)
    if scope and scope not in READING_SCOPES:
        raise HTTPException(403, "Reading notifications needs the read or admin scope.")
    return project


async def _writable(request: Request, project: Annotated[str, Path(max_length=128)]) -> str:
    scope = _visible(request, project)
    if scope and scope != "admin":
        raise HTTPException(403, f"{request.method} {request.url.path} needs the admin scope.")
    return project


ReadableProject = Annotated[str, Depends(_readable)]
WritableProject = Annotated[str, Depends(_writable)]

"""What the caller's API key may see, as the gateway's key check forwarded it."""

from collections.abc import Collection
from typing import Annotated

from fastapi import Depends, HTTPException, Request

from tracker_contracts import identity_of


async def _allowed_projects(request: Request) -> frozenset[str] | None:
    """Projects the key is limited to; None for a key that sees every project."""
    return identity_of(request.scope["headers"]).projects


AllowedProjects = Annotated[frozenset[str] | None, Depends(_allowed_projects)]


def searched_projects(named: list[str], allowed: frozenset[str] | None) -> Collection[str] | None:
    """The projects a view spanning projects reads: those named, else all the key may see
    (None: every project). Naming one the key may not see is refused."""
    if allowed is None:
        return named or None
    if outside := [name for name in named if name not in allowed]:
        raise HTTPException(403, f"This API key may not access the project {outside[0]!r}.")
    return named or allowed


async def require_unrestricted(allowed: AllowedProjects) -> None:
    """For views spanning every project: refused to keys limited to some projects."""
    if allowed is not None:
        raise HTTPException(403, "This API key is limited to some projects; this view spans all.")


async def require_admin(request: Request) -> None:
    """For changes and operations: the admin scope (the gateway checks it too; this guards
    direct calls)."""
    scope = identity_of(request.scope["headers"]).scope
    if scope is not None and scope != "admin":
        raise HTTPException(403, f"{request.method} {request.url.path} needs the admin scope.")


Admin = Annotated[None, Depends(require_admin)]

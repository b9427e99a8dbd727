from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from ..notifying import Policy


async def _session(request: Request) -> AsyncIterator[AsyncSession]:
    async with request.app.state.sessionmaker() as session:
        yield session


async def _policy(request: Request) -> Policy:
    policy: Policy = request.app.state.policy
    return policy


Session = Annotated[AsyncSession, Depends(_session)]
CurrentPolicy = Annotated[Policy, Depends(_policy)]

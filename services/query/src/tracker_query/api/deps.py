from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession


async def _session(request: Request) -> AsyncIterator[AsyncSession]:
    async with request.app.state.sessionmaker() as session:
        yield session


async def _reading_session(request: Request) -> AsyncIterator[AsyncSession]:
    async with request.app.state.reading_sessionmaker() as session:
        yield session


Session = Annotated[AsyncSession, Depends(_session)]
"""For changes: `async with session.begin()` makes them atomic."""
ReadingSession = Annotated[AsyncSession, Depends(_reading_session)]
"""For reads only, in autocommit: cheaper, but each statement sees its own snapshot."""

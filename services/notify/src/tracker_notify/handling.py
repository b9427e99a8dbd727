"""The consumer's handlers: decode a batch of entries, react to each in one transaction."""

import logging

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tracker_contracts import decode_entries, decode_notice

from .clock import Clock
from .consumer import Entries, Handle
from .notifying import Policy
from .reacting import react_to_event, react_to_notice

logger = logging.getLogger(__name__)


def event_handler(
    sessions: async_sessionmaker[AsyncSession], policy: Policy, clock: Clock
) -> Handle:
    async def handle(entries: Entries) -> None:
        events, undecodable = decode_entries(entries)
        for entry in undecodable:
            logger.warning("skipping an entry that holds no event: %s", entry.reason)
        async with sessions() as session, session.begin():
            for event in events:
                await react_to_event(session, policy, event, clock())

    return handle


def notice_handler(
    sessions: async_sessionmaker[AsyncSession], policy: Policy, clock: Clock
) -> Handle:
    async def handle(entries: Entries) -> None:
        notices = []
        for fields in entries:
            try:
                notices.append(decode_notice(fields))
            except ValidationError as error:
                logger.warning("skipping an entry that holds no notice: %s", error)
        async with sessions() as session, session.begin():
            for notice in notices:
                await react_to_notice(session, policy, notice, clock())

    return handle

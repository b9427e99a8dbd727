"""Watches the projects' budgets: records each threshold their spending crosses and announces it
once (`notices.py`: the live feed relays it, notifications act on it).

A crossing is recorded in one transaction and announced in another, which sets `announced_at`
only once the announcement is out: a worker that dies between the two leaves the crossing
unannounced, and the next round (of any worker) announces it. Workers claim unannounced
crossings with `SKIP LOCKED`, so each is announced by one of them.
"""

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tracker_contracts import BudgetCrossedData, BudgetCrossedMessage

from .notices import announce
from .repositories.budgets import Crossing, claim_unannounced, mark_announced, record_crossings
from .settings import QuerySettings

logger = logging.getLogger(__name__)

Announce = Callable[[Sequence[Crossing]], Awaitable[None]]


class BudgetWatch:
    """Checks the budgets every `BUDGET_CHECK_INTERVAL_SECONDS`."""

    def __init__(
        self,
        settings: QuerySettings,
        sessionmaker: async_sessionmaker[AsyncSession],
        announce: Announce,
    ) -> None:
        self._settings = settings
        self._sessionmaker = sessionmaker
        self._announce = announce

    async def check(self) -> list[Crossing]:
        """Record the thresholds crossed since the last check; announce what is unannounced."""
        async with self._sessionmaker() as session, session.begin():
            await record_crossings(session)
        async with self._sessionmaker() as session, session.begin():
            crossings = await claim_unannounced(session)
            if crossings:
                await self._announce(crossings)
                await mark_announced(session, crossings)
        for crossing in crossings:
            logger.info(
                "project %s crossed %d%% of its %s budget",
                crossing.project,
                crossing.threshold,
                crossing.period,
            )
        return crossings

    async def run_until(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await self.check()
            except Exception as error:
                logger.warning("budget check failed: %s", error)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(
                    stop.wait(), timeout=self._settings.budget_check_interval_seconds
                )


def budget_message(crossing: Crossing) -> BudgetCrossedMessage:
    return BudgetCrossedMessage(
        data=BudgetCrossedData(
            project=crossing.project,
            period="day" if crossing.period == "day" else "month",
            period_start=crossing.period_start,
            threshold_percent=crossing.threshold,
            amount=crossing.amount,
            spent=crossing.spent,
            currency=crossing.currency,
            crossed_at=crossing.crossed_at,
        )
    )


def budget_announcer(redis: Redis, settings: QuerySettings) -> Announce:
    """Announce crossings (`notices.py`): live clients and notifications get them."""

    async def announce_crossings(crossings: Sequence[Crossing]) -> None:
        await announce(redis, settings, [budget_message(c) for c in crossings])

    return announce_crossings

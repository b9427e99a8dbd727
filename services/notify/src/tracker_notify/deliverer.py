"""The deliverer loop: claims due deliveries, sends each in a task of its own, and records the
outcome.

Bounds, so that a slow or failing receiver never delays the others: a channel gets at most
`channel_concurrency` deliveries in flight per process, and none more are claimed for it until
they are done; each attempt waits at most `delivery_timeout_seconds`; the process holds at most
`MAX_IN_FLIGHT`. A claim is a lease (`lease_seconds`): if the process dies, the delivery is
claimed again once the lease has run out, by this process restarted or another one.
"""

import asyncio
import logging
import secrets
from collections import Counter
from datetime import timedelta

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from .clock import Clock
from .pausing import pause
from .repositories.deliveries import Claimed, claim_due, record_outcome
from .retries import outcome
from .sending import attempt
from .settings import NotifySettings

logger = logging.getLogger(__name__)

MAX_IN_FLIGHT = 64


class Deliverer:
    def __init__(
        self,
        settings: NotifySettings,
        sessions: async_sessionmaker[AsyncSession],
        client: httpx.AsyncClient,
        clock: Clock,
    ) -> None:
        self.settings = settings
        self.sessions = sessions
        self.client = client
        self.clock = clock
        self.token = secrets.token_hex(8)
        self.in_flight: Counter[str] = Counter()
        self._sending: set[asyncio.Task[None]] = set()

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await self.claim_and_send()
            except Exception:
                logger.exception("claiming deliveries failed")
            await pause(stop, self.settings.poll_seconds)

    async def claim_and_send(self) -> int:
        room = MAX_IN_FLIGHT - sum(self.in_flight.values())
        if room <= 0:
            return 0
        now = self.clock()
        async with self.sessions() as session, session.begin():
            claimed = await claim_due(
                session,
                now=now,
                lease_until=now + timedelta(seconds=self.settings.lease_seconds),
                token=self.token,
                limit=room,
                per_channel=self.settings.channel_concurrency,
                busy=list(self.in_flight),
            )
        for delivery in claimed:
            self.in_flight[delivery.channel_id] += 1
            task = asyncio.create_task(self._deliver(delivery), name=f"deliver {delivery.id}")
            self._sending.add(task)
            task.add_done_callback(self._sending.discard)
        return len(claimed)

    async def _deliver(self, delivery: Claimed) -> None:
        try:
            async with asyncio.timeout(self.settings.delivery_timeout_seconds + 1):
                tried = await attempt(delivery, self.client, self.settings)
            columns = outcome(
                tried,
                attempts=delivery.attempts,
                created_at=delivery.created_at,
                now=self.clock(),
                delays=self.settings.retry_delays_seconds,
                give_up_after=self.settings.give_up_after_seconds,
            )
            async with self.sessions() as session, session.begin():
                await record_outcome(session, delivery.id, self.token, **columns)
            logger.info(
                "delivery %s to channel %s: %s", delivery.id, delivery.channel_id, columns["status"]
            )
        except Exception:
            # The lease runs out and the delivery is claimed again.
            logger.exception("delivery %s left to its lease", delivery.id)
        finally:
            self.in_flight[delivery.channel_id] -= 1
            if not self.in_flight[delivery.channel_id]:
                del self.in_flight[delivery.channel_id]

    async def stop(self) -> None:
        for task in list(self._sending):
            task.cancel()
        await asyncio.gather(*self._sending, return_exceptions=True)

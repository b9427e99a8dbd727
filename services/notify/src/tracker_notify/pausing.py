"""How the process's loops wait between rounds: until a stop is asked for, or the time is up.

Loops stop through an event, not task cancellation: a cancellation that lands inside a Redis
call may be swallowed by the client, and the loop would go on."""

import asyncio
import contextlib


async def pause(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)

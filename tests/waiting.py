import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")


def eventually(check: Callable[[], T], within: float = 30, interval: float = 0.1) -> T:
    """Call `check` until it returns something truthy; fail with its last answer otherwise."""
    deadline = time.monotonic() + within
    while True:
        result = check()
        if result or time.monotonic() > deadline:
            assert result, f"still {result!r} after {within}s"
            return result
        time.sleep(interval)


async def eventually_async(
    check: Callable[[], Awaitable[T]], within: float = 30, interval: float = 0.1
) -> T:
    """`eventually` for coroutines."""
    deadline = time.monotonic() + within
    while True:
        result = await check()
        if result or time.monotonic() > deadline:
            assert result, f"still {result!r} after {within}s"
            return result
        await asyncio.sleep(interval)

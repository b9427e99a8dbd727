"""The query service's backlog on the event stream, and a stream filled ahead of time."""

import asyncio
import time
from collections.abc import Iterator

from redis.asyncio import Redis

from tracker_contracts import (
    DATA_FIELD,
    QUERY_GROUP,
    SEQUENCE_FIELD,
    ErrorWebhook,
    FinishWebhook,
    StartWebhook,
    StatusWebhook,
    Webhook,
    appended_count_key,
    encode_event,
    envelop,
)

from .system import STREAM

GROUP = QUERY_GROUP
PIPELINE = 1_000


def _webhooks(count: int) -> Iterator[Webhook]:
    """`count` events of tasks as agents report them: start, three progress reports, an end."""
    for number in range(0, count, 5):
        task = {
            "project": f"apply-{number % 20}",
            "task": f"Backlog task {number // 5}",
            "task_id": f"backlog-{number // 5}",
            "agent": f"agent-{number % 50}",
        }
        steps: list[Webhook] = [StartWebhook(**task)]
        steps += [StatusWebhook(**task, status="running", progress=p) for p in (25, 50, 75)]
        if number % 25 == 20:
            steps.append(ErrorWebhook(**task, error_type="BenchError", error_message="planned"))
        else:
            steps.append(FinishWebhook(**task, result="ok"))
        yield from steps[: count - number]


async def fill_stream(redis_url: str, count: int) -> None:
    """Append `count` events exactly as ingest would, numbered as it numbers them (its backlog
    bound counts by these numbers), in pipelines of a thousand."""
    redis = Redis.from_url(redis_url)
    try:
        webhooks = _webhooks(count)
        while batch := [w for _, w in zip(range(PIPELINE), webhooks, strict=False)]:
            last = await redis.incrby(appended_count_key(STREAM), len(batch))
            async with redis.pipeline(transaction=False) as pipe:
                for sequence, webhook in enumerate(batch, start=last - len(batch) + 1):
                    entry = encode_event(envelop(webhook))
                    pipe.xadd(STREAM, {DATA_FIELD: entry, SEQUENCE_FIELD: sequence})
                await pipe.execute()
    finally:
        await redis.aclose()


async def _all_applied(redis: Redis) -> bool:
    """Whether the query service has been handed every entry and acknowledged it."""
    groups = {g["name"].decode(): g for g in await redis.xinfo_groups(STREAM)}
    if GROUP not in groups:
        return False
    newest = (await redis.xinfo_stream(STREAM))["last-generated-id"]
    return bool(groups[GROUP]["last-delivered-id"] == newest and groups[GROUP]["pending"] == 0)


async def wait_until_applied(redis_url: str, *, poll: float = 0.05, limit: float = 3600) -> float:
    """Seconds until every event on the stream is applied."""
    redis = Redis.from_url(redis_url)
    started = time.monotonic()
    try:
        while not await _all_applied(redis):
            if time.monotonic() - started > limit:
                raise TimeoutError("the query service never caught up")
            await asyncio.sleep(poll)
        return time.monotonic() - started
    finally:
        await redis.aclose()


def _position(entry_id: bytes | str) -> tuple[int, int]:
    text = entry_id.decode() if isinstance(entry_id, bytes) else entry_id
    milliseconds, sequence = text.split("-")
    return int(milliseconds), int(sequence)


async def newest_entry(redis_url: str) -> str:
    redis = Redis.from_url(redis_url)
    try:
        info = await redis.xinfo_stream(STREAM)
        last: bytes = info["last-generated-id"]
        return last.decode()
    finally:
        await redis.aclose()


async def wait_until_applied_through(
    redis_url: str, entry_id: str, *, poll: float = 0.05, limit: float = 600
) -> float:
    """Seconds until every entry up to `entry_id` is applied (delivered and acknowledged),
    whatever arrived after it."""
    redis = Redis.from_url(redis_url)
    started = time.monotonic()
    try:
        while True:
            groups = {g["name"].decode(): g for g in await redis.xinfo_groups(STREAM)}
            delivered = _position(groups[GROUP]["last-delivered-id"])
            unacknowledged = await redis.xpending_range(STREAM, GROUP, "-", entry_id, 1)
            if delivered >= _position(entry_id) and not unacknowledged:
                return time.monotonic() - started
            if time.monotonic() - started > limit:
                raise TimeoutError("the query service never caught up")
            await asyncio.sleep(poll)
    finally:
        await redis.aclose()

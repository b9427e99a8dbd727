"""Bounds the event stream without ever dropping an entry that is not yet applied."""

import time

from redis.asyncio import Redis


def _entry_key(entry_id: str) -> tuple[int, int]:
    milliseconds, _, sequence = entry_id.partition("-")
    return int(milliseconds), int(sequence or 0)


async def trim_applied(redis: Redis, stream: str, retention_seconds: float) -> None:
    """Drop entries that every consumer group has applied and that are older than the retention.

    An entry is applied once its group has read it (it is at or before the group's last
    delivered id) and acknowledged it (it is no longer pending). Entries of the last
    `retention_seconds` stay for live clients that reconnect.
    """
    groups = await redis.xinfo_groups(stream)
    if not groups:
        return
    keep_from = [f"{int((time.time() - retention_seconds) * 1000)}-0"]
    for group in groups:
        keep_from.append(_text(group["last-delivered-id"]))
        if int(group["pending"]):
            summary = await redis.xpending(stream, _text(group["name"]))
            keep_from.append(_text(summary["min"]))
    oldest_needed = min(keep_from, key=_entry_key)
    await redis.xtrim(stream, minid=oldest_needed, approximate=False)


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value

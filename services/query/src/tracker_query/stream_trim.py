"""Bounds the event stream without ever dropping an entry that is not yet applied."""

from datetime import UTC, datetime, timedelta

from redis.asyncio import Redis

from tracker_contracts import EntryId


async def trim_applied(redis: Redis, stream: str, retention_seconds: float) -> None:
    """Drop entries that every consumer group has applied and that are older than the retention.

    An entry is applied once its group has read it (it is at or before the group's last
    delivered id) and acknowledged it (it is no longer pending). Entries of the last
    `retention_seconds` stay for live clients that reconnect.
    """
    groups = await redis.xinfo_groups(stream)
    if not groups:
        return
    keep_from = [EntryId.first_at(datetime.now(UTC) - timedelta(seconds=retention_seconds))]
    for group in groups:
        keep_from.append(EntryId.parse(group["last-delivered-id"]))
        if int(group["pending"]):
            summary = await redis.xpending(stream, group["name"])
            # The last pending entry may be acknowledged between the two calls.
            if summary["min"] is not None:
                keep_from.append(EntryId.parse(summary["min"]))
    await redis.xtrim(stream, minid=str(min(keep_from)), approximate=False)

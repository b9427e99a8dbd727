"""Events that cannot be applied, set aside with the reason so they never block the others."""

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from redis.asyncio import Redis

logger = logging.getLogger(__name__)

DEAD_LETTERS_MAXLEN = 100_000


@dataclass(frozen=True)
class DeadLetter:
    entry_id: str
    reason: str
    failed_at: datetime
    event: Any


class DeadLetters:
    """The dead-letter stream `<events stream>:dead-letters`."""

    def __init__(self, redis: Redis, events_stream: str, group: str) -> None:
        self._redis = redis
        self._events_stream = events_stream
        self._group = group
        self.stream = f"{events_stream}:dead-letters"

    async def bury(self, entry_id: bytes | str, body: Any, reason: str) -> None:
        """Move an entry to the dead letters and acknowledge it, in one transaction."""
        entry = entry_id.decode() if isinstance(entry_id, bytes) else entry_id
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.xadd(
                self.stream,
                {
                    "entry_id": entry,
                    "reason": reason[:4000],
                    "failed_at": datetime.now(UTC).isoformat(),
                    "event": json.dumps(body, default=repr, ensure_ascii=False),
                },
                maxlen=DEAD_LETTERS_MAXLEN,
                approximate=True,
            )
            pipe.xack(self._events_stream, self._group, entry)
            await pipe.execute()
        logger.error("event %s moved to dead letters: %s", entry, reason)

    async def count(self) -> int:
        return int(await self._redis.xlen(self.stream))

    async def newest(self, limit: int) -> list[DeadLetter]:
        entries = await self._redis.xrevrange(self.stream, count=limit) or []
        return [_dead_letter(fields) for _, fields in entries if fields]


def _dead_letter(fields: Mapping[bytes | str, bytes | str]) -> DeadLetter:
    text = {_text(key): _text(value) for key, value in fields.items()}
    return DeadLetter(
        entry_id=text["entry_id"],
        reason=text["reason"],
        failed_at=datetime.fromisoformat(text["failed_at"]),
        event=json.loads(text["event"]),
    )


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value

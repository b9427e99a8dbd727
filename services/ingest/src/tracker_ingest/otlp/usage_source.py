"""One source of usage per task, so that nothing is counted twice.

Claude Code can export the same API requests twice: as `claude_code.api_request` log events and
as the `claude_code.token.usage` / `claude_code.cost.usage` metrics (and an instrumented agent
can report them once more as GenAI spans). Summing all would double every token. The rule: the
first source that brings usage for a task (logs, metrics or traces) is that task's only source
of usage; the others' usage for it is ignored. A log event or an error span from another
source still adds its timeline message, without usage; a metric data point or a usage-only span
from another source is dropped (it holds nothing else).

The owner is recorded in Redis with `SET NX`, so concurrent exports for one task agree on it,
and kept for `OTLP_USAGE_SOURCE_TTL_SECONDS` after the task's last usage. Claude Code exports
logs every 5 s and metrics every 60 s by default, so with both configured the log events —
one per request, with the model and duration — become the source; with metrics alone, the
metrics. A retried export finds the owner its first try recorded and maps exactly as before.
"""

import base64
import hashlib
from collections.abc import Iterable

from redis.asyncio import Redis

from tracker_contracts import stream_key

from .records import Candidate, Tally, UsageSource

Task = tuple[str, str]


async def settle_usage(
    redis: Redis, stream: str, tally: Tally, ttl_seconds: int
) -> tuple[list[Candidate], int]:
    """The tally's events with usage only from their task's source, and how many were dropped
    for another source's usage."""
    claims = {
        (c.webhook.project, c.webhook.task_id): c.source
        for c in tally.candidates
        if c.webhook.usage is not None
    }
    if not claims:
        return tally.candidates, 0
    owners = await _owners(redis, stream, claims.items(), ttl_seconds)
    kept: list[Candidate] = []
    superseded = 0
    for candidate in tally.candidates:
        webhook = candidate.webhook
        if webhook.usage is None or owners[webhook.project, webhook.task_id] == candidate.source:
            kept.append(candidate)
        elif candidate.usage_only:
            superseded += 1
        else:
            kept.append(Candidate(webhook.model_copy(update={"usage": None}), candidate.source))
    return kept, superseded


async def _owners(
    redis: Redis, stream: str, claims: Iterable[tuple[Task, UsageSource]], ttl_seconds: int
) -> dict[Task, UsageSource]:
    tasks = []
    async with redis.pipeline(transaction=True) as pipe:
        for task, source in claims:
            key = _key(stream, task)
            pipe.set(key, source.value, nx=True, ex=ttl_seconds)
            pipe.expire(key, ttl_seconds)
            pipe.get(key)
            tasks.append(task)
        replies = await pipe.execute()
    return {
        task: UsageSource(owner.decode()) for task, owner in zip(tasks, replies[2::3], strict=True)
    }


def _key(stream: str, task: Task) -> str:
    digest = hashlib.blake2b("\n".join(task).encode(), digest_size=12).digest()
    # Beside the stream (its slot in Redis Cluster), where the idempotency records are.
    return stream_key(stream, f"usage-source:{base64.urlsafe_b64encode(digest).decode()}")

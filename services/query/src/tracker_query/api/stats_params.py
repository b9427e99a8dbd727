"""The parameters every statistics endpoint takes: which projects, which agent, which time
window; and the buckets of a time series."""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Annotated

from fastapi import Depends, HTTPException, Query

from tracker_contracts import Name, Timestamp

from ..repositories import stats
from .access import AllowedProjects

MAX_BUCKETS = 1000


async def _filters(
    allowed: AllowedProjects,
    project: Annotated[list[Name], Query(description="Only these projects; repeatable.")] = [],  # noqa: B006
    agent: Annotated[
        Name | None,
        Query(description="Only this agent's tasks (for usage: what this agent reported)."),
    ] = None,
    since: Annotated[
        Timestamp | None,
        Query(description="Tasks started at or after (for usage: events that happened)."),
    ] = None,
    until: Annotated[
        Timestamp | None,
        Query(description="Tasks started before (for usage: events that happened)."),
    ] = None,
) -> stats.StatsFilter:
    if since is not None and until is not None and since >= until:
        raise HTTPException(
            422, [{"type": "value_error", "loc": ["query", "until"], "msg": "must be after since"}]
        )
    projects = frozenset(project) or None
    if allowed is not None:
        if projects is not None and not projects <= allowed:
            raise HTTPException(403, "This API key may not read some of these projects.")
        projects = projects or allowed
    return stats.StatsFilter(projects, agent, since, until)


StatsFilterParams = Annotated[stats.StatsFilter, Depends(_filters)]


class BucketUnit(StrEnum):
    MINUTE = "minute"
    HOUR = "hour"
    DAY = "day"

    @property
    def length(self) -> timedelta:
        return {"minute": timedelta(minutes=1), "hour": timedelta(hours=1)}.get(
            self, timedelta(days=1)
        )


@dataclass(frozen=True)
class Window:
    """A time window of whole buckets, and the filters that read it."""

    filters: stats.StatsFilter
    since: datetime
    until: datetime

    def starts(self, bucket: BucketUnit) -> Iterator[datetime]:
        """The start of each bucket, oldest first."""
        start = self.since
        while start < self.until:
            yield start
            start += bucket.length


def bucketed(filters: stats.StatsFilter, bucket: BucketUnit) -> Window:
    """`filters` with their window set to whole buckets: until now when open, the last 60
    buckets when no start is given; 422 past `MAX_BUCKETS`."""
    until = filters.until or datetime.now(UTC)
    try:
        since = _floor(filters.since or until - 60 * bucket.length, bucket)
    except OverflowError:
        since = datetime.min.replace(tzinfo=UTC)
    if (until - since) / bucket.length > MAX_BUCKETS or since >= until:
        raise HTTPException(
            422,
            [
                {
                    "type": "value_error",
                    "loc": ["query", "since"],
                    "msg": f"at most {MAX_BUCKETS} buckets",
                }
            ],
        )
    return Window(stats.StatsFilter(filters.projects, filters.agent, since, until), since, until)


def _floor(moment: datetime, unit: BucketUnit) -> datetime:
    moment = moment.astimezone(UTC)
    if unit is BucketUnit.DAY:
        return moment.replace(hour=0, minute=0, second=0, microsecond=0)
    if unit is BucketUnit.HOUR:
        return moment.replace(minute=0, second=0, microsecond=0)
    return moment.replace(second=0, microsecond=0)

"""What each event's step used, kept for the statistics of tokens and cost."""

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from tracker_contracts import AnyTaskEvent, Usage

from ..lifecycle import TOKENS


@dataclass(frozen=True, slots=True)
class UsedBy:
    """An event that reported usage, and where it belongs."""

    event: AnyTaskEvent
    usage: Usage
    task_pk: int
    project_id: int
    agent_id: int


_COLUMNS = ", ".join(TOKENS)
# The new rows' cost is added to their project's day (`usage_daily`, budgets' spending) in the
# same statement: only rows inserted now are returned, so a redelivered event adds nothing.
_RECORD = text(f"""
    WITH recorded AS (
    INSERT INTO event_usage (event_id, task_pk, project_id, agent_id, model, occurred_at,
                             {_COLUMNS}, cost, currency)
    SELECT * FROM unnest(CAST(:event_ids AS uuid[]), CAST(:task_pks AS bigint[]),
                         CAST(:project_ids AS integer[]), CAST(:agent_ids AS integer[]),
                         CAST(:models AS text[]), CAST(:occurred_at AS timestamptz[]),
                         {", ".join(f"CAST(:{name} AS bigint[])" for name in TOKENS)},
                         CAST(:costs AS numeric[]), CAST(:currencies AS text[]))
         AS new (event_id, task_pk, project_id, agent_id, model, occurred_at, {_COLUMNS},
                 cost, currency)
    -- The trigger adds each row to its `usage_totals` row: in key order, so that concurrent
    -- appliers queue there instead of deadlocking.
    ORDER BY project_id, agent_id, coalesce(model, ''), coalesce(currency, '')
    ON CONFLICT (event_id) DO NOTHING
    RETURNING project_id, occurred_at, cost, currency
    )
    INSERT INTO usage_daily AS d (project_id, day, currency, cost)
    SELECT project_id, (occurred_at AT TIME ZONE 'UTC')::date, currency, sum(cost)
    FROM recorded
    WHERE cost IS NOT NULL
    GROUP BY 1, 2, 3
    -- Key order again, for the same reason.
    ORDER BY 1, 2, 3
    ON CONFLICT (project_id, day, currency) DO UPDATE SET cost = d.cost + excluded.cost
""")


async def record_usage(session: AsyncSession, used: Sequence[UsedBy]) -> None:
    """Keep the usage of newly recorded events (one that is kept already is left as it is)."""
    if not used:
        return
    await session.execute(
        _RECORD,
        {
            "event_ids": [u.event.event_id for u in used],
            "task_pks": [u.task_pk for u in used],
            "project_ids": [u.project_id for u in used],
            "agent_ids": [u.agent_id for u in used],
            "models": [u.usage.model for u in used],
            "occurred_at": [u.event.occurred_at for u in used],
            **{name: [getattr(u.usage, name) or 0 for u in used] for name in TOKENS},
            "costs": [u.usage.cost for u in used],
            "currencies": [None if u.usage.cost is None else u.usage.currency for u in used],
        },
    )

from collections.abc import Sequence
from uuid import UUID

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from tracker_contracts import AnyTaskEvent

# All rows travel as one array per column: one round trip and one plan, whatever the count.
# Ids are drawn in batch order (ORDER BY the position), so events of one task that share a
# timestamp (clients often send whole seconds) keep the order they were sent in.
_RECORD_NEW = text("""
    INSERT INTO task_events (event_id, task_pk, project_id, kind, agent, occurred_at,
                             received_at, payload)
    SELECT new.event_id, new.task_pk, t.project_id, new.kind, new.agent, new.occurred_at,
           new.received_at, new.payload::jsonb
    FROM unnest(CAST(:event_ids AS uuid[]), CAST(:task_pks AS bigint[]), CAST(:kinds AS text[]),
                CAST(:agents AS text[]), CAST(:occurred_at AS timestamptz[]),
                CAST(:received_at AS timestamptz[]), CAST(:payloads AS text[]))
         WITH ORDINALITY
         AS new (event_id, task_pk, kind, agent, occurred_at, received_at, payload, position)
    JOIN tasks AS t ON t.id = new.task_pk
    ORDER BY new.position
    ON CONFLICT (event_id) DO NOTHING
    RETURNING event_id
""")


async def record_new_events(
    session: AsyncSession, events: Sequence[AnyTaskEvent], task_pks: Sequence[int]
) -> set[UUID]:
    """Record events as the history of the tasks `task_pks` (one per event), skipping event ids
    already recorded; return the ids that are new."""
    result = await session.execute(
        _RECORD_NEW,
        {
            "event_ids": [e.event_id for e in events],
            "task_pks": task_pks,
            "kinds": [e.kind.value for e in events],
            "agents": [e.payload.agent for e in events],
            "occurred_at": [e.occurred_at for e in events],
            "received_at": [e.received_at for e in events],
            "payloads": [e.payload.model_dump_json(exclude_none=True) for e in events],
        },
    )
    return set(result.scalars().all())

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from ..models import EventRecord


async def record_new_events(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> set[UUID]:
    """Insert event rows, skipping event ids already recorded; return the ids that are new."""
    # One statement for all rows (executemany): compiled once and cached, whatever the count.
    table = EventRecord.metadata.tables[EventRecord.__tablename__]
    statement = (
        insert(table)
        .on_conflict_do_nothing(index_elements=[table.c.event_id])
        .returning(table.c.event_id)
    )
    return set((await session.scalars(statement, list(rows))).all())

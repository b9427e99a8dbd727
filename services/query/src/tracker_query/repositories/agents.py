from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import func
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from ..models import Agent


async def touch_agents(session: AsyncSession, last_seen: Mapping[str, datetime]) -> dict[str, int]:
    """Create missing agents, move `last_seen_at` forward, and return their ids by name."""
    rows = [{"name": name, "last_seen_at": last_seen[name]} for name in sorted(last_seen)]
    new_rows = insert(Agent).values(rows)
    statement = new_rows.on_conflict_do_update(
        index_elements=[Agent.name],
        set_={"last_seen_at": func.greatest(Agent.last_seen_at, new_rows.excluded.last_seen_at)},
    ).returning(Agent.name, Agent.id)
    return {name: id_ for name, id_ in await session.execute(statement)}

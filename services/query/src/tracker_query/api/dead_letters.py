from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel

from ..consumer import EventConsumer
from .access import require_unrestricted

router = APIRouter(prefix="/api", tags=["operations"])


class DeadLetterOut(BaseModel):
    entry_id: str
    reason: str
    failed_at: datetime
    event: Any


class DeadLettersOut(BaseModel):
    total: int
    entries: list[DeadLetterOut]


@router.get(
    "/dead-letters",
    dependencies=[Depends(require_unrestricted)],
    summary="Events that could not be applied, newest first, with the reason",
    response_model=DeadLettersOut,
)
async def get_dead_letters(
    request: Request, limit: Annotated[int, Query(ge=1, le=500)] = 50
) -> DeadLettersOut:
    consumer: EventConsumer = request.app.state.consumer
    letters = consumer.dead_letters
    return DeadLettersOut(
        total=await letters.count(),
        entries=[DeadLetterOut(**vars(letter)) for letter in await letters.newest(limit)],
    )

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict

from ..consumer import EventConsumer
from .access import require_unrestricted

router = APIRouter(prefix="/api", tags=["operations"])


class DeadLetterOut(BaseModel):
    entry_id: str
    reason: str
    failed_at: datetime
    event: Any


class DeadLettersOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "total": 1,
                    "entries": [
                        {
                            "entry_id": "1732530000000-0",
                            "reason": "not a valid event: ...",
                            "failed_at": "2024-01-01T10:00:00Z",
                            "event": {"kind": "start", "payload": "..."},
                        }
                    ],
                }
            ]
        }
    )

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

"""`/api/projects/{project}/notifications/deliveries`: the delivery log, newest first."""

from typing import Annotated

from fastapi import APIRouter, Query

from ..repositories.deliveries import Delivery, list_deliveries
from .access import ReadableProject
from .deps import Session
from .schemas import DeliveriesOut, DeliveryOut, DeliveryStatus

router = APIRouter(prefix="/api/projects/{project}/notifications", tags=["notifications"])


def delivery_out(delivery: Delivery) -> DeliveryOut:
    return DeliveryOut.model_validate(delivery, from_attributes=True)


@router.get("/deliveries", summary="The delivery log, newest first", response_model=DeliveriesOut)
async def deliveries(
    project: ReadableProject,
    session: Session,
    channel_id: str | None = None,
    status: DeliveryStatus | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    before: Annotated[str | None, Query(description="A delivery id: older ones only.")] = None,
) -> DeliveriesOut:
    found = await list_deliveries(
        session, project, channel_id=channel_id, status=status, limit=limit + 1, before=before
    )
    page = found[:limit]
    return DeliveriesOut(
        items=[delivery_out(d) for d in page],
        next_before=page[-1].id if len(found) > limit else None,
    )

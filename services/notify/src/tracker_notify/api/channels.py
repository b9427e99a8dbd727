"""`/api/projects/{project}/notifications/channels`: where a project's notifications go."""

from typing import Any

from fastapi import APIRouter, Response

from ..clock import utc_now
from ..errors import Invalid, NotFound
from ..ids import new_channel_id, new_webhook_secret
from ..kinds import TEST_KIND
from ..masking import mask_url
from ..messages import test_summary
from ..notifying import queue
from ..repositories import channels as repository
from ..repositories.deliveries import get_delivery
from .access import ReadableProject, WritableProject
from .deliveries import delivery_out
from .deps import CurrentPolicy, Session
from .schemas import (
    ChannelIn,
    ChannelOut,
    ChannelPatch,
    ChannelsOut,
    CreatedChannelOut,
    DeliveryOut,
    LastDeliveryOut,
)

PREFIX = "/api/projects/{project}/notifications"
router = APIRouter(prefix=PREFIX, tags=["notifications"])

_NO_CHANNEL: dict[int | str, dict[str, Any]] = {
    404: {"description": "The project has no channel with that id."}
}


def channel_out(channel: repository.Channel) -> ChannelOut:
    if channel.type == "email":
        target = ", ".join(channel.recipients or [])
    else:
        target = mask_url(channel.url or "")
    return ChannelOut(
        id=channel.id,
        name=channel.name,
        type=channel.type,
        enabled=channel.enabled,
        target=target,
        created_at=channel.created_at,
        last_delivery=LastDeliveryOut.model_validate(channel.last_delivery, from_attributes=True)
        if channel.last_delivery
        else None,
    )


async def _existing(session: Session, project: str, channel_id: str) -> repository.Channel:
    channel = await repository.get_channel(session, project, channel_id)
    if channel is None:
        raise NotFound(f"Channel '{channel_id}' not found in project '{project}'")
    return channel


@router.get("/channels", summary="The project's channels", response_model=ChannelsOut)
async def list_channels(project: ReadableProject, session: Session) -> ChannelsOut:
    return ChannelsOut(
        items=[channel_out(c) for c in await repository.list_channels(session, project)]
    )


@router.post(
    "/channels",
    status_code=201,
    summary="Add a channel (a webhook's signing secret is in this answer only)",
    response_model=CreatedChannelOut,
)
async def add_channel(
    project: WritableProject, body: ChannelIn, session: Session
) -> CreatedChannelOut:
    channel_id = new_channel_id()
    secret = new_webhook_secret() if body.type == "webhook" else None
    async with session.begin():
        await repository.add_channel(
            session,
            id=channel_id,
            project=project,
            name=body.name,
            type=body.type,
            enabled=body.enabled,
            url=str(body.url) if body.url else None,
            recipients=[str(a) for a in body.to] if body.to else None,
            secret=secret,
        )
    created = await _existing(session, project, channel_id)
    return CreatedChannelOut(**channel_out(created).model_dump(), secret=secret)


@router.get(
    "/channels/{channel_id}",
    summary="One channel",
    response_model=ChannelOut,
    responses=_NO_CHANNEL,
)
async def get_channel(project: ReadableProject, channel_id: str, session: Session) -> ChannelOut:
    return channel_out(await _existing(session, project, channel_id))


@router.patch(
    "/channels/{channel_id}",
    summary="Change a channel",
    response_model=ChannelOut,
    responses=_NO_CHANNEL,
)
async def change_channel(
    project: WritableProject, channel_id: str, body: ChannelPatch, session: Session
) -> ChannelOut:
    async with session.begin():
        channel = await _existing(session, project, channel_id)
        if body.url is not None and channel.type == "email":
            raise Invalid("url", "an email channel takes `to`, not `url`")
        if body.to is not None and channel.type != "email":
            raise Invalid("to", f"a {channel.type} channel takes `url`, not `to`")
        changes = body.model_dump(exclude_unset=True, exclude={"url", "to"})
        if body.url is not None:
            changes["url"] = str(body.url)
        if body.to is not None:
            changes["recipients"] = [str(a) for a in body.to]
        if changes:
            await repository.change_channel(session, project, channel_id, **changes)
    return channel_out(await _existing(session, project, channel_id))


@router.delete(
    "/channels/{channel_id}",
    status_code=204,
    summary="Remove a channel and its log",
    responses=_NO_CHANNEL,
)
async def remove_channel(project: WritableProject, channel_id: str, session: Session) -> Response:
    async with session.begin():
        if not await repository.remove_channel(session, project, channel_id):
            raise NotFound(f"Channel '{channel_id}' not found in project '{project}'")
    return Response(status_code=204)


@router.post(
    "/channels/{channel_id}/test",
    status_code=202,
    summary="Send a test notification through the delivery log",
    response_model=DeliveryOut,
    responses=_NO_CHANNEL,
)
async def test_channel(
    project: WritableProject, channel_id: str, session: Session, policy: CurrentPolicy
) -> DeliveryOut:
    async with session.begin():
        channel = await _existing(session, project, channel_id)
        delivery_id = await queue(
            session, policy, channel_id=channel.id, project=project, kind=TEST_KIND, task=None,
            summary=test_summary(project, channel.name), now=utc_now(),
        )  # fmt: skip
    return delivery_out(await get_delivery(session, delivery_id))

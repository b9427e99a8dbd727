"""The notifications the service sends, described in the OpenAPI document (`webhooks`)."""

from fastapi import APIRouter, Header

from ..payload import NotificationPayload

webhooks = APIRouter()


@webhooks.post(
    "task-notification",
    summary="A notification posted to a webhook channel",
    description="Signed per Standard Webhooks with the channel's secret (`whsec_…`): the "
    "signature is `v1,` and the base64 HMAC-SHA256 of `<webhook-id>.<webhook-timestamp>.<body>`. "
    "`webhook-id` is the same on every retry of a delivery: drop ids you have seen. Answer 2xx "
    "to accept; 4xx (except 408 and 429) refuses the message for good; anything else, or no "
    "answer within 10 s, is retried with backoff for up to a day.",
)
def task_notification(
    body: NotificationPayload,
    webhook_id: str = Header(description="The delivery id, `dl_…`."),
    webhook_timestamp: str = Header(description="Seconds since the epoch of this attempt."),
    webhook_signature: str = Header(description="`v1,<base64 signature>`"),
) -> None:
    """Documentation only: never called."""

"""One attempt to deliver a notification to its channel: a signed webhook, a Slack message or
an email. Errors are told by kind and code only: a channel's URL (for Slack, the credential)
never reaches a log or the delivery log."""

import json
import logging
from datetime import UTC, datetime
from email.message import EmailMessage

import aiosmtplib
import httpx
from standardwebhooks.webhooks import Webhook

from .messages import email_message, slack_body
from .payload import NotificationPayload
from .repositories.deliveries import Claimed
from .retries import Attempt
from .settings import NotifySettings

logger = logging.getLogger(__name__)

# httpx logs each request's full URL at INFO: for a Slack channel that is the credential.
logging.getLogger("httpx").setLevel(logging.WARNING)


def signed_headers(secret: str, delivery_id: str, body: str, at: datetime) -> dict[str, str]:
    """The Standard Webhooks headers of one attempt (`webhook-id` is the delivery's id)."""
    signature = Webhook(secret).sign(msg_id=delivery_id, timestamp=at, data=body)
    return {
        "webhook-id": delivery_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": signature,
        "content-type": "application/json",
    }


async def attempt(
    delivery: Claimed, client: httpx.AsyncClient, settings: NotifySettings
) -> Attempt:
    payload = NotificationPayload.model_validate(delivery.payload)
    try:
        if delivery.channel_type == "email":
            return await _email(payload, delivery.recipients or [], settings)
        if delivery.channel_type == "slack":
            body = json.dumps(slack_body(payload))
            headers = {"content-type": "application/json"}
        else:
            body = payload.model_dump_json()
            headers = signed_headers(delivery.secret or "", delivery.id, body, datetime.now(UTC))
        answer = await client.post(delivery.url or "", content=body, headers=headers)
        return Attempt.of_http(answer.status_code)
    except httpx.TimeoutException:
        return Attempt(None, f"no answer within {settings.delivery_timeout_seconds:g} s")
    except httpx.HTTPError as error:
        return Attempt(None, f"could not reach the receiver ({type(error).__name__})")


async def _email(payload: NotificationPayload, to: list[str], settings: NotifySettings) -> Attempt:
    if not settings.smtp_host:
        return Attempt(None, "no SMTP server configured (SMTP_HOST)", permanent=True)
    message: EmailMessage = email_message(payload, settings.smtp_from, to)
    password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
    try:
        await aiosmtplib.send(
            message,
            hostname=settings.smtp_host,
            port=settings.smtp_port,
            username=settings.smtp_username,
            password=password,
            start_tls=settings.smtp_starttls,
            timeout=settings.delivery_timeout_seconds,
        )
    except aiosmtplib.SMTPResponseException as error:
        return Attempt(error.code, f"the SMTP server answered {error.code}", error.code >= 500)
    except aiosmtplib.SMTPRecipientsRefused:
        return Attempt(None, "the SMTP server refused every recipient", permanent=True)
    except (aiosmtplib.SMTPException, OSError) as error:
        return Attempt(None, f"could not send the email ({type(error).__name__})")
    return Attempt(250)

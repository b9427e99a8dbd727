"""Identifiers and secrets the service hands out."""

import base64
import secrets
import time

CHANNEL_ID_PREFIX = "ch_"
DELIVERY_ID_PREFIX = "dl_"


def new_channel_id() -> str:
    """`ch_` and 22 URL-safe characters (128 random bits)."""
    return CHANNEL_ID_PREFIX + secrets.token_urlsafe(16)


def new_delivery_id() -> str:
    """`dl_`, the milliseconds since the epoch in 11 hex digits, and 11 random hex digits:
    ordered as they were made, so newest-first pages go by id. Sent as the `webhook-id`."""
    return f"{DELIVERY_ID_PREFIX}{time.time_ns() // 1_000_000:011x}{secrets.token_hex(6)[:11]}"


def new_webhook_secret() -> str:
    """A Standard Webhooks signing secret: `whsec_` and 32 random bytes in base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()

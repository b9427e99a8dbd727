"""What an attempt's answer means for a delivery: sent, failed for good, or tried again later.

A 2xx answer is sent. A 4xx other than 408 and 429 is the receiver refusing the message: failed
at once (so is an SMTP 5xx). Anything else (no answer, a timeout, 408, 429, 5xx) is tried again
after the next of `delays` (the last repeats), until a retry would fall later than
`give_up_after` seconds after the delivery was created: then it has failed.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from .repositories.deliveries import FAILED, RETRYING, SENT


@dataclass(frozen=True)
class Attempt:
    """What one try got: the receiver's answer code (HTTP, or SMTP for email), an error for
    people (never holding the channel's URL), and whether trying again cannot help."""

    response_code: int | None
    error: str | None = None
    permanent: bool = False

    @property
    def delivered(self) -> bool:
        return self.error is None and not self.permanent

    @classmethod
    def of_http(cls, code: int) -> "Attempt":
        if 200 <= code < 300:
            return cls(code)
        permanent = 400 <= code < 500 and code not in (408, 429)
        return cls(code, f"the receiver answered {code}", permanent)


def outcome(
    attempt: Attempt,
    *,
    attempts: int,
    created_at: datetime,
    now: datetime,
    delays: Sequence[float],
    give_up_after: float,
) -> dict[str, Any]:
    """The columns an attempt sets on its delivery (`attempts` counts this one)."""
    base = {"response_code": attempt.response_code, "error": attempt.error}
    if attempt.delivered:
        return {**base, "status": SENT, "sent_at": now, "next_attempt_at": None}
    if not attempt.permanent:
        delay = delays[min(attempts, len(delays)) - 1]
        retry_at = now + timedelta(seconds=delay)
        if retry_at <= created_at + timedelta(seconds=give_up_after):
            return {**base, "status": RETRYING, "next_attempt_at": retry_at}
    return {**base, "status": FAILED, "next_attempt_at": None}

"""Posting one event to the tracker, with a few quick retries of the same body."""

import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from enum import Enum
from http.client import HTTPException

from ._events import Event

USER_AGENT = "agent-tracker/0.1"
# A retry of the same event_id is answered like the first request, so resending is safe.
RETRYABLE_STATUSES = frozenset({408, 409, 425, 429})
# The key is wrong or not allowed here: nothing the next event could do better.
AUTH_STATUSES = frozenset({401, 403})
FIRST_RETRY_DELAY = 0.2
LONGEST_RETRY_DELAY = 1.0


class Verdict(Enum):
    ACCEPTED = "accepted"
    REFUSED = "refused"
    """The tracker answered and will not take this event as it is (4xx)."""
    UNAVAILABLE = "unavailable"
    """No answer, or one that says "later" (timeouts, 5xx, 408, 409, 429)."""


@dataclass(frozen=True)
class Answer:
    verdict: Verdict
    status: int | None
    detail: str
    retry_after: float | None = None

    @property
    def blocks_the_queue(self) -> bool:
        """Later events cannot pass this one: the tracker is away or the key is refused."""
        return self.verdict is Verdict.UNAVAILABLE or self.status in AUTH_STATUSES


def classify(status: int, body: str, retry_after: str | None = None) -> Answer:
    if 200 <= status < 300:
        return Answer(Verdict.ACCEPTED, status, "")
    detail = f"HTTP {status}: {_describe(body)}"
    wait = _seconds(retry_after)
    if status in RETRYABLE_STATUSES or status >= 500:
        return Answer(Verdict.UNAVAILABLE, status, detail, wait)
    return Answer(Verdict.REFUSED, status, detail)


def post_once(url: str, api_key: str | None, event: Event, timeout: float) -> Answer:
    # TrackerConfig admits only http and https URLs.
    request = urllib.request.Request(  # noqa: S310
        f"{url.rstrip('/')}/webhook/{event.kind}",
        data=json.dumps(event.body, ensure_ascii=False).encode(),
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            **({"X-API-Key": api_key} if api_key else {}),
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return classify(response.status, "")
    except urllib.error.HTTPError as error:
        with error:
            body = error.read(4096).decode(errors="replace")
        return classify(error.code, body, error.headers.get("Retry-After"))
    except (OSError, HTTPException) as error:  # URLError and timeouts are OSErrors
        reason = getattr(error, "reason", error)
        return Answer(Verdict.UNAVAILABLE, None, f"no answer from {url}: {reason}")


def post_with_retries(
    url: str, api_key: str | None, event: Event, timeout: float, attempts: int
) -> Answer:
    """Up to `attempts` tries, backing off; each waits at most `timeout`."""
    delay = FIRST_RETRY_DELAY
    answer = post_once(url, api_key, event, timeout)
    for _ in range(attempts - 1):
        if answer.verdict is not Verdict.UNAVAILABLE:
            break
        time.sleep(min(answer.retry_after or delay, LONGEST_RETRY_DELAY))
        delay *= 2
        answer = post_once(url, api_key, event, timeout)
    return answer


def _describe(body: str) -> str:
    try:
        detail = json.loads(body).get("detail", body)
    except (ValueError, AttributeError):
        detail = body
    if isinstance(detail, list):  # validation errors: name each field
        detail = "; ".join(
            f"{'.'.join(str(p) for p in item.get('loc', [])[1:]) or 'body'}: {item.get('msg')}"
            for item in detail
            if isinstance(item, dict)
        )
    return str(detail).strip()[:500] or "(no detail)"


def _seconds(text: str | None) -> float | None:
    try:
        return max(0.0, float(text)) if text else None
    except ValueError:
        return None

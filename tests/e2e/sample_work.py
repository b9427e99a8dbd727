"""A day of plausible work by several agents on several projects, posted through the gateway,
so that screenshots of the dashboard show what a real deployment looks like."""

import random
import uuid
from datetime import UTC, datetime, timedelta

import httpx

PROJECTS = {
    "checkout-service": ["claude-code", "ci-runner"],
    "data-pipeline": ["etl-bot", "claude-code"],
    "docs-site": ["docs-writer"],
    "support-inbox": ["triage-agent", "claude-code"],
}
TITLES = [
    "Refactor payment retries",
    "Import customer events",
    "Rebuild search index",
    "Summarise support tickets",
    "Generate API reference",
    "Backfill invoices for March",
    "Migrate sessions to Redis",
    "Translate onboarding guide",
    "Nightly warehouse sync",
    "Triage new bug reports",
    "Fix flaky checkout test",
    "Resize product images",
]
ERRORS = [
    ("TimeoutError", "Upstream API did not answer within 30 s"),
    ("ValidationError", "Field 'amount' must be a positive decimal"),
    ("ConnectionResetError", "Connection reset by peer while streaming rows"),
]
STACK_TEMPLATE = """Traceback (most recent call last):
  File "/app/agent/runner.py", line 214, in run_step
    result = await step.execute(context)
  File "/app/agent/steps/fetch.py", line 88, in execute
    rows = await client.fetch_page(cursor, timeout=30)
  File "/app/agent/clients/http.py", line 141, in fetch_page
    raise {error_type}(message)
{error_type}: {message}"""
STACK = STACK_TEMPLATE.format(error_type="TimeoutError", message="Upstream API did not answer")


def _at(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def post_sample_work(url: str, key: str, seed: int = 7) -> None:
    rng = random.Random(seed)
    now = datetime.now(UTC)
    with httpx.Client(base_url=url, headers={"X-API-Key": key}, timeout=10) as client:

        def post(kind: str, body: dict[str, object]) -> None:
            client.post(f"/webhook/{kind}", json=body).raise_for_status()

        for project, agents in PROJECTS.items():
            for _ in range(rng.randint(7, 12)):
                agent = rng.choice(agents)
                title = rng.choice(TITLES)
                base = {
                    "project": project,
                    "task": title,
                    "task_id": f"{title.split()[0].lower()}-{uuid.uuid4().hex[:6]}",
                    "agent": agent,
                }
                started = now - timedelta(minutes=rng.randint(3, 23 * 60))
                post(
                    "start",
                    {
                        **base,
                        "timestamp": _at(started),
                        "metadata": {
                            "priority": rng.choice(["high", "normal", "low"]),
                            "attempt": 1,
                        },
                    },
                )
                fate = rng.random()
                steps = rng.randint(1, 3)
                for n in range(1, steps + 1):
                    at = started + timedelta(minutes=4 * n)
                    if at < now:
                        progress = min(95, n * rng.randint(15, 30))
                        post(
                            "status",
                            {
                                **base,
                                "progress": progress,
                                "message": f"Step {n} of {steps + 1}",
                                "timestamp": _at(at),
                            },
                        )
                took = rng.randint(40, 3600)
                ended = started + timedelta(seconds=took)
                if fate < 0.62 and ended < now:
                    post(
                        "finish",
                        {
                            **base,
                            "result": "All checks passed",
                            "duration_seconds": took,
                            "timestamp": _at(ended),
                        },
                    )
                elif fate < 0.8 and ended < now:
                    error_type, message = rng.choice(ERRORS)
                    post(
                        "error",
                        {
                            **base,
                            "error_type": error_type,
                            "error_message": message,
                            "stack_trace": STACK_TEMPLATE.format(
                                error_type=error_type, message=message
                            ),
                            "timestamp": _at(ended),
                        },
                    )

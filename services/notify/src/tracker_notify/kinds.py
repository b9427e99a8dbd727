"""What can be notified: the rule kinds, their defaults, and how each is named on the wire."""

from dataclasses import dataclass
from enum import StrEnum

NEEDS_INPUT_STATUS = "needs_input"
"""The status an agent reports while it waits for a person (the one place it is spelled)."""


def is_needs_input(status: str) -> bool:
    return status == NEEDS_INPUT_STATUS


class RuleKind(StrEnum):
    """What a rule watches for; every kind has a default (`DEFAULT_RULES`)."""

    TASK_FAILED = "task_failed"
    TASK_STALE = "task_stale"
    NEEDS_INPUT = "needs_input"
    TASK_FINISHED = "task_finished"


@dataclass(frozen=True)
class RuleDefault:
    enabled: bool
    after_minutes: int | None = None


DEFAULT_RULES: dict[RuleKind, RuleDefault] = {
    RuleKind.TASK_FAILED: RuleDefault(enabled=True),
    RuleKind.TASK_STALE: RuleDefault(enabled=True),
    RuleKind.NEEDS_INPUT: RuleDefault(enabled=True, after_minutes=5),
    RuleKind.TASK_FINISHED: RuleDefault(enabled=False),
}
"""What a project that never set a rule gets."""

TEST_KIND = "test"
"""The kind of a delivery sent by `POST /channels/{id}/test`."""

PAYLOAD_TYPES: dict[str, str] = {
    RuleKind.TASK_FAILED: "task.failed",
    RuleKind.TASK_STALE: "task.stale",
    RuleKind.NEEDS_INPUT: "task.needs_input",
    RuleKind.TASK_FINISHED: "task.finished",
    TEST_KIND: "test",
}
"""The webhook body's `type` for each delivery kind."""

HEADLINES: dict[str, str] = {
    RuleKind.TASK_FAILED: "failed",
    RuleKind.TASK_STALE: "went stale",
    RuleKind.NEEDS_INPUT: "is waiting for input",
    RuleKind.TASK_FINISHED: "finished",
}
"""How a summary says what happened to a task (digests: "and 3 more tasks failed")."""

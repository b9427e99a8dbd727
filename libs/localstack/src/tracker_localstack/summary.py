"""The last words of `make run`'s start-up: where everything listens, once the gateway routes.

Printed through the supervisor's own output queue, so the lines of the processes and the
summary never interleave, and only when the whole system answers through the gateway, so it
is the last thing on screen until something happens.
"""

import datetime
import threading

from honcho.printer import Message, Printer

from .readiness import wait_until_routed
from .supervisor import Supervisor

READY_WITHIN_SECONDS = 300.0


class RunnerPrinter(Printer):  # type: ignore[misc]  # honcho has no type hints
    """Honcho's printer; messages without a process name are the runner's own, unprefixed."""

    def write(self, message: Message) -> None:
        if message.type == "line" and message.name is None:
            print(message.data, end="", file=self.output, flush=True)
        else:
            super().write(message)


def say(supervisor: Supervisor, text: str) -> None:
    """Print `text` through the runner's queue, between whole lines of the processes."""
    supervisor.events.put(
        Message("line", text.rstrip("\n") + "\n", datetime.datetime.now(), None, None)
    )


def announce_when_routed(
    supervisor: Supervisor, gateway_url: str, summary: str
) -> threading.Thread:
    """Print `summary` once the gateway routes to every service (or say it does not)."""

    def watch() -> None:
        if wait_until_routed(gateway_url, passes=1, seconds=READY_WITHIN_SECONDS):
            say(supervisor, summary)
        else:
            say(
                supervisor,
                f"The gateway at {gateway_url} still does not reach every service after"
                f" {READY_WITHIN_SECONDS:.0f} s; {gateway_url}/health names the missing part.",
            )

    watcher = threading.Thread(target=watch, name="summary", daemon=True)
    watcher.start()
    return watcher


def table(rows: list[tuple[str, str]]) -> str:
    """Two aligned columns, indented."""
    width = max(len(name) for name, _ in rows)
    return "\n".join(f"  {name:<{width}}  {value}" for name, value in rows)

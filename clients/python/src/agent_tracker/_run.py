"""`agent-tracker run -- <command>`: the command runs as if alone, the task is reported."""

import os
import shlex
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, Any

from ._events import LONG_TEXT_MAX, MESSAGE_MAX, Event, clip_head, clip_tail
from ._tasks import TaskIdentity
from ._tracker import Tracker

STDERR_TAIL_BYTES = 4096
FORWARDED_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
# After the command exits, how long to wait for the rest of its stderr (a background process
# it left behind may keep the pipe open forever).
STDERR_DRAIN_SECONDS = 1.0


def run_command(
    tracker: Tracker,
    command: list[str],
    identity: TaskIdentity,
    heartbeat_seconds: float,
    metadata: dict[str, Any] | None,
) -> int:
    """Run `command` and report it as the task `identity`; return its exit code."""
    command_text = clip_head(shlex.join(command), 2048)
    start = identity.start_event({**(metadata or {}), "command": command_text})
    with forwarding_signals() as forwarding:
        try:
            child = subprocess.Popen(command, stderr=subprocess.PIPE)
        except OSError as error:
            code = 127 if isinstance(error, FileNotFoundError) else 126
            tracker.send(start)
            tracker.send(failure(identity, command_text, code, "CommandNotFound", str(error)))
            print(f"agent-tracker: cannot run {command_text}: {error}", file=sys.stderr)
            return code
        forwarding.to(child)
        heartbeat = Heartbeat(tracker, identity, start, heartbeat_seconds)
        heartbeat.start()
        assert child.stderr is not None
        tail = StderrTail(child.stderr, sys.stderr.buffer)
        tail.start()
        returncode = child.wait()
    tail.join(STDERR_DRAIN_SECONDS)
    heartbeat.stop()
    tracker.send(outcome(identity, command_text, returncode, tail.text()))
    return returncode if returncode >= 0 else 128 - returncode


def outcome(identity: TaskIdentity, command_text: str, returncode: int, stderr: str) -> Event:
    if returncode == 0:
        return identity.finish_event(f"{command_text} exited with code 0", {"exit_code": 0})
    if returncode < 0:
        name = signal.Signals(-returncode).name
        detail = f"{command_text} was killed by {name} (exit code {128 - returncode})"
        return failure(identity, command_text, 128 - returncode, "CommandKilled", detail, stderr)
    detail = f"{command_text} exited with code {returncode}"
    return failure(identity, command_text, returncode, "CommandFailed", detail, stderr)


def failure(
    identity: TaskIdentity,
    command_text: str,
    exit_code: int,
    error_type: str,
    detail: str,
    stderr: str = "",
) -> Event:
    message = f"{detail}\n\nstderr (last lines):\n{stderr}" if stderr else detail
    return identity.event(
        "error",
        error_type=error_type,
        error_message=clip_tail(message, MESSAGE_MAX),
        stack_trace=clip_tail(stderr, LONG_TEXT_MAX) if stderr else None,
        metadata={"exit_code": exit_code, "command": command_text},
    )


class Heartbeat(threading.Thread):
    """Sends the start, then a `running` status every `interval` seconds (0: never)."""

    def __init__(self, tracker: Tracker, identity: TaskIdentity, start: Event, interval: float):
        super().__init__(name="agent-tracker-heartbeat", daemon=True)
        self._tracker, self._identity, self._start, self._interval = (
            tracker,
            identity,
            start,
            interval,
        )
        self._stopped = threading.Event()

    def run(self) -> None:
        self._tracker.send(self._start)
        if self._interval <= 0:
            return
        while not self._stopped.wait(self._interval):
            elapsed = round(time.monotonic() - self._identity.started)
            message = f"running for {elapsed} s"
            self._tracker.send(self._identity.status_event("running", None, message))

    def stop(self) -> None:
        """Stop beating; waits for an event in flight so the last one stays last."""
        self._stopped.set()
        self.join()


class StderrTail(threading.Thread):
    """Echoes the command's stderr as it comes and keeps its last bytes."""

    def __init__(self, source: IO[bytes], echo: IO[bytes]) -> None:
        super().__init__(name="agent-tracker-stderr", daemon=True)
        self._source, self._echo = source, echo
        self._tail = bytearray()
        self._lock = threading.Lock()

    def run(self) -> None:
        descriptor = self._source.fileno()
        while chunk := os.read(descriptor, 65536):
            self._echo.write(chunk)
            self._echo.flush()
            with self._lock:
                self._tail += chunk
                del self._tail[:-STDERR_TAIL_BYTES]

    def text(self) -> str:
        with self._lock:
            return bytes(self._tail).decode(errors="replace").strip()


class SignalForwarding:
    """Passes signals on to the command; one that comes before it starts follows at start."""

    def __init__(self) -> None:
        self._child: subprocess.Popen[bytes] | None = None
        self._early: list[int] = []

    def to(self, child: subprocess.Popen[bytes]) -> None:
        self._child = child
        for signum in self._early:
            child.send_signal(signum)

    def forward(self, signum: int, _frame: object) -> None:
        if self._child is None:
            self._early.append(signum)
        elif self._child.poll() is None:
            self._child.send_signal(signum)


@contextmanager
def forwarding_signals() -> Iterator[SignalForwarding]:
    forwarding = SignalForwarding()

    def ignore(_signum: int, _frame: object) -> None:
        pass

    # Ctrl-C at a terminal reaches every process of the foreground group, the command included;
    # passing it on as well would interrupt the command twice.
    ctrl_c_reaches_child = _in_terminal_foreground()
    previous: dict[signal.Signals, Any] = {}
    for signum in FORWARDED_SIGNALS:
        ctrl_c = signum == signal.SIGINT and ctrl_c_reaches_child
        previous[signum] = signal.signal(signum, ignore if ctrl_c else forwarding.forward)
    try:
        yield forwarding
    finally:
        for signum, restored in previous.items():
            signal.signal(signum, restored)


def _in_terminal_foreground() -> bool:
    try:
        return os.tcgetpgrp(sys.stdin.fileno()) == os.getpgrp()
    except (OSError, ValueError):
        return False

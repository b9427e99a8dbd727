"""Runs `make run`'s processes the way an orchestrator runs replicas: one that dies is started
again, and the rest keep running.

A process that exits while the system runs, whatever the reason, is started again after
`Backoff.first` seconds; one that dies again within `Backoff.steady` seconds of starting (it
keeps crashing at start) waits twice as long each time, up to `Backoff.longest`. Every exit and
every restart is said in the output with the process's name. SIGINT or SIGTERM stops
everything: pending restarts are dropped, each process group gets SIGTERM, and whatever still
runs `KILL_AFTER_SECONDS` later gets SIGKILL.

The processes' lines go through one queue to honcho's printer, each prefixed with its process's
name as honcho prints a Procfile. Honcho's own runner ends everything when one process exits,
and supervisord restarts only during start-up and prints no names: hence this small loop.
"""

import datetime
import os
import queue
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from types import FrameType
from typing import IO

from honcho.colour import get_colours
from honcho.printer import Message, Printer

KILL_AFTER_SECONDS = 5.0
SYSTEM = "system"  # the name on the supervisor's own lines
EXIT_CODES = {signal.SIGINT: 130, signal.SIGTERM: 143}


@dataclass(frozen=True)
class Backoff:
    first: float = 1.0
    """Seconds before a process that died is started again."""
    longest: float = 30.0
    """The longest wait, however often a process crashed at start."""
    steady: float = 10.0
    """A process that ran this long before it died had started well: its next wait is `first`."""

    def delay(self, crashes_in_a_row: int) -> float:
        return min(self.longest, self.first * 2.0 ** max(crashes_in_a_row - 1, 0))


@dataclass
class _Supervised:
    name: str
    command: list[str]
    env: dict[str, str] | None
    cwd: str | None
    colour: str
    process: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    crashes_in_a_row: int = 0
    restart_at: float | None = None


class Supervisor:
    """Start with `add_process` for each process, then `loop` until SIGINT or SIGTERM."""

    def __init__(self, printer: Printer | None = None, backoff: Backoff = Backoff()) -> None:
        self.events: queue.Queue[Message] = queue.Queue()
        """Lines to print and processes that exited; anyone may put a line (name None)."""
        self._printer = printer or Printer()
        self._printer.width = len(SYSTEM)
        self._backoff = backoff
        self._colours: Iterator[str] = get_colours()
        self._supervised: dict[str, _Supervised] = {}
        self._stop_signal: int | None = None

    def add_process(
        self,
        name: str,
        command: list[str],
        env: dict[str, str] | None = None,
        cwd: str | None = None,
    ) -> None:
        assert name not in self._supervised, f"two processes named {name}"
        self._supervised[name] = _Supervised(name, command, env, cwd, next(self._colours))
        self._printer.width = max(self._printer.width, len(name))

    def loop(self) -> int:
        """Run every process, restarting those that die, until SIGINT or SIGTERM has stopped
        them all; the exit code for the signal (130, 143)."""
        with self._stopping_on_signals():
            for supervised in self._supervised.values():
                self._start(supervised)
            while self._stop_signal is None:
                self._handle(self._next_event())
                self._restart_when_due()
            return self._stop_all(signal.Signals(self._stop_signal))

    def _stop_all(self, received: signal.Signals) -> int:
        """SIGTERM to every process, SIGKILL to those still running `KILL_AFTER_SECONDS` later;
        the exit code for `received` once none runs."""
        self._say(f"{received.name} received: stopping everything")
        for supervised in self._supervised.values():
            supervised.restart_at = None
        self._signal_running(signal.SIGTERM)
        kill_at = time.monotonic() + KILL_AFTER_SECONDS
        while any(s.process is not None for s in self._supervised.values()):
            self._handle(self._next_event())
            if time.monotonic() > kill_at:
                self._signal_running(signal.SIGKILL)
                kill_at = float("inf")
        return EXIT_CODES[received]

    @contextmanager
    def _stopping_on_signals(self) -> Iterator[None]:
        def stop(signum: int, frame: FrameType | None) -> None:
            if self._stop_signal is None:
                self._stop_signal = signum

        previous = {s: signal.signal(s, stop) for s in EXIT_CODES}
        try:
            yield
        finally:
            for number, handler in previous.items():
                signal.signal(number, handler)

    def _start(self, supervised: _Supervised) -> None:
        supervised.restart_at = None
        process = subprocess.Popen(
            supervised.command,
            env=supervised.env,
            cwd=supervised.cwd,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            # Its own process group: Ctrl-C in the terminal reaches the supervisor only, which
            # stops every group in turn; and a stop reaches the children a process may have.
            start_new_session=True,
        )
        supervised.process, supervised.started_at = process, time.monotonic()
        self._say(f"{supervised.name} started (pid={process.pid})")
        reader = threading.Thread(
            target=self._relay, args=(supervised, process), name=supervised.name, daemon=True
        )
        reader.start()

    def _relay(self, supervised: _Supervised, process: subprocess.Popen[bytes]) -> None:
        """Put every line the process prints on the queue, then its exit."""
        output: IO[bytes] | None = process.stdout
        assert output is not None
        for line in iter(output.readline, b""):
            self.events.put(self._message(line, supervised.name, supervised.colour))
        output.close()
        process.wait()
        self.events.put(Message("exit", process, _now(), supervised.name, None))

    def _next_event(self) -> Message | None:
        try:
            return self.events.get(timeout=0.1)
        except queue.Empty:
            return None

    def _handle(self, event: Message | None) -> None:
        if event is None:
            return
        if event.type != "exit":
            self._printer.write(event)
            return
        supervised = self._supervised[event.name]
        process: subprocess.Popen[bytes] = event.data
        if process is not supervised.process:
            return
        supervised.process = None
        ran = time.monotonic() - supervised.started_at
        ended = _ended(process.returncode)
        how = f"{supervised.name} (pid {process.pid}) {ended} after {ran:.1f} s"
        if self._stop_signal is not None:
            self._say(f"{supervised.name} (pid {process.pid}) stopped")
            return
        supervised.crashes_in_a_row = (
            supervised.crashes_in_a_row + 1 if ran < self._backoff.steady else 1
        )
        delay = self._backoff.delay(supervised.crashes_in_a_row)
        supervised.restart_at = time.monotonic() + delay
        again = (
            f"; it crashed at start {supervised.crashes_in_a_row} times in a row"
            if supervised.crashes_in_a_row > 1
            else ""
        )
        self._say(f"{how}{again}: restarting it in {delay:g} s, the rest keeps running")

    def _restart_when_due(self) -> None:
        now = time.monotonic()
        for supervised in self._supervised.values():
            if supervised.restart_at is not None and supervised.restart_at <= now:
                self._say(f"restarting {supervised.name}")
                self._start(supervised)

    def _signal_running(self, number: signal.Signals) -> None:
        for supervised in self._supervised.values():
            if supervised.process is None:
                continue
            self._say(f"sending {number.name} to {supervised.name} (pid {supervised.process.pid})")
            with suppress(ProcessLookupError):  # it is exiting already; its exit is queued
                os.killpg(supervised.process.pid, number)

    def _say(self, text: str) -> None:
        self._printer.write(self._message(text + "\n", SYSTEM, None))

    @staticmethod
    def _message(data: bytes | str, name: str | None, colour: str | None) -> Message:
        return Message("line", data, _now(), name, colour)


def _now() -> datetime.datetime:
    return datetime.datetime.now()


def _ended(returncode: int) -> str:
    if returncode >= 0:
        return f"exited with code {returncode}"
    try:
        return f"was killed by {signal.Signals(-returncode).name}"
    except ValueError:
        return f"was killed by signal {-returncode}"

"""Ports on 127.0.0.1: a free one for tests, and who holds one that `make run` wants."""

import socket
from dataclasses import dataclass

import psutil


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def free_port_with_room(replicas: int, step: int) -> int:
    """A free port `port` for tests such that `port + step * i` is free too for every further
    replica i (as `make run` places replicas)."""
    while True:
        port = free_port()
        further = [port + step * i for i in range(1, replicas)]
        if all(p < 65536 and not in_use("127.0.0.1", p) for p in further):
            return port


@dataclass(frozen=True)
class WantedPort:
    """A port a part of the system will listen on, and the setting that moves it."""

    host: str
    port: int
    part: str
    setting: str | None


def in_use(host: str, port: int) -> bool:
    """Whether a server could not listen on `host:port` now.

    Probes as the servers bind (`SO_REUSEADDR`), so a port left in TIME_WAIT by a stopped
    server counts as free, exactly as it is for them."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return True
        return False


def holder(port: int) -> str | None:
    """The process listening on `port`, as `name (pid N): command line`, when it can be known
    (another user's processes stay anonymous to an unprivileged caller)."""
    try:
        sockets = psutil.net_connections(kind="tcp")
    except psutil.Error:
        return None
    for conn in sockets:
        if conn.status == psutil.CONN_LISTEN and conn.laddr and conn.laddr.port == port:
            if conn.pid is None:
                return None
            try:
                process = psutil.Process(conn.pid)
                command = " ".join(" ".join(process.cmdline()).split())
                name = process.name()
            except psutil.Error:
                return f"pid {conn.pid}"
            return f"{name} (pid {conn.pid}): {_shortened(command)}"
    return None


def busy_ports_message(wanted: list[WantedPort]) -> str | None:
    """None when every wanted port is free; else which are taken, by what, and how to move them."""
    busy = [w for w in wanted if in_use(w.host, w.port)]
    if not busy:
        return None
    lines = [f"Cannot start: {_count(len(busy), 'port')} in use."]
    for w in busy:
        held = holder(w.port)
        by = f"held by {held}" if held else "held by a process this user cannot see"
        lines.append(f"  {w.host}:{w.port:<6} {w.part:<20} {by}")
    lines.append(
        "Stop what holds them (a `make run` still shutting down lets go within seconds),"
        " or choose other ports:"
    )
    taken = {w.port for w in wanted}
    moves: dict[str, str] = {}
    for w in busy:
        if w.setting is not None and w.setting not in moves:
            moves[w.setting] = f"{w.setting}={_free_above(w, taken)}"
    if moves:
        lines.append(f"  {' '.join(moves.values())} make run   (or set them in .env)")
    return "\n".join(lines)


def _free_above(wanted: WantedPort, taken: set[int]) -> int:
    port = wanted.port + 1
    while port in taken or in_use(wanted.host, port):
        port += 1
    return port


def _count(n: int, noun: str) -> str:
    return f"{n} {noun} is" if n == 1 else f"{n} {noun}s are"


def _shortened(command: str, limit: int = 100) -> str:
    return command if len(command) <= limit else command[: limit - 1] + "…"

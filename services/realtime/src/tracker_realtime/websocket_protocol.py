"""uvicorn's WebSocket protocol, with the frames sent to one client in one event-loop turn
written together, and with bounds for clients that stop reading.

When events come fast, a client's queue holds several messages and its sender sends them all
in one turn; uvicorn writes each frame with a system call of its own, and on the way to the
client every hop (Traefik, the client) then reads and writes them one by one as well. Joined,
they cost one write, one read per hop. Start uvicorn with
`--ws tracker_realtime.websocket_protocol:CoalescingWebSocketsProtocol`.

What is held back is written out as soon as it reaches `FLUSH_BYTES`: the transport then sees
the client's backlog and pauses the protocol, so that a sender (a replay, the live queue)
waits for the client instead of piling everything up in memory. A close is never held up by a
paused transport (the frame goes behind what is buffered), and a connection whose client does
not take the rest within `ABORT_AFTER_CLOSE_SECONDS` of the close is cut, freeing its buffer.
"""

import asyncio
from typing import Any, cast

from uvicorn._types import ASGISendEvent
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

FLUSH_BYTES = 64 * 1024
ABORT_AFTER_CLOSE_SECONDS = 10.0


class CoalescedWrites(asyncio.Transport):
    """A transport that holds what is written until the end of the event-loop turn, or until
    `FLUSH_BYTES` are held."""

    __slots__ = ("_abort", "_held", "_loop", "_pending", "_transport")

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__()
        self._transport = transport
        self._loop = loop
        self._pending: list[bytes] = []
        self._held = 0
        self._abort: asyncio.TimerHandle | None = None

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if not self._pending:
            self._loop.call_soon(self.flush)
        self._pending.append(bytes(data))
        self._held += len(data)
        if self._held >= FLUSH_BYTES:
            self.flush()

    def flush(self) -> None:
        if self._pending and not self._transport.is_closing():
            self._transport.write(b"".join(self._pending))
        self._pending.clear()
        self._held = 0

    def close(self) -> None:
        """Close once the buffer is written; cut the connection if that takes too long."""
        self.flush()
        self._transport.close()
        if self._abort is None:
            self._abort = self._loop.call_later(ABORT_AFTER_CLOSE_SECONDS, self._transport.abort)

    def closed(self) -> None:
        """The connection is gone: nothing is left to cut."""
        if self._abort is not None:
            self._abort.cancel()

    def abort(self) -> None:
        self._pending.clear()
        self._held = 0
        self._transport.abort()

    def is_closing(self) -> bool:
        return self._transport.is_closing()

    def pause_reading(self) -> None:
        self._transport.pause_reading()

    def resume_reading(self) -> None:
        self._transport.resume_reading()

    def get_write_buffer_size(self) -> int:
        return self._transport.get_write_buffer_size() + self._held

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return self._transport.get_extra_info(name, default)


class CoalescingWebSocketsProtocol(WebSocketsSansIOProtocol):
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        self.transport = CoalescedWrites(cast(asyncio.Transport, transport), self.loop)

    def connection_lost(self, exc: Exception | None) -> None:
        super().connection_lost(exc)
        cast(CoalescedWrites, self.transport).closed()

    async def send(self, message: ASGISendEvent) -> None:
        if message["type"] == "websocket.close" and self.handshake_complete:
            # uvicorn waits for room in the buffer before any frame; for a client that stopped
            # reading, room never comes, and the connection would be held forever.
            self.writable.set()
        await super().send(message)

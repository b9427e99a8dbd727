import asyncio
import socket
from typing import Any

import uvicorn
from websockets.asyncio.client import connect

from tracker_realtime.websocket_protocol import CoalescedWrites, CoalescingWebSocketsProtocol


class RecordingTransport(asyncio.Transport):
    def __init__(self) -> None:
        super().__init__()
        self.writes: list[bytes] = []
        self.closed = False

    def write(self, data: Any) -> None:
        self.writes.append(bytes(data))

    def close(self) -> None:
        self.closed = True

    def is_closing(self) -> bool:
        return self.closed


async def test_what_is_written_in_one_turn_goes_out_in_one_write_in_order() -> None:
    transport = RecordingTransport()
    writes = CoalescedWrites(transport, asyncio.get_running_loop())
    for chunk in (b"a", b"b", b"c"):
        writes.write(chunk)
    assert transport.writes == []
    await asyncio.sleep(0)
    assert transport.writes == [b"abc"]
    writes.write(b"d")
    writes.close()
    assert transport.writes == [b"abc", b"d"]
    assert transport.closed


async def test_a_client_gets_every_frame_in_order_over_a_real_connection() -> None:
    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        await receive()  # websocket.connect
        await send({"type": "websocket.accept"})
        for i in range(200):
            await send({"type": "websocket.send", "text": f"m{i}"})
        await send({"type": "websocket.close", "code": 1000})

    listening = socket.create_server(("127.0.0.1", 0))  # connections wait until uvicorn is up
    port = listening.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, ws=CoalescingWebSocketsProtocol, lifespan="off"))
    serving = asyncio.create_task(server.serve(sockets=[listening]))
    try:
        async with connect(f"ws://127.0.0.1:{port}/") as websocket:
            received = [message async for message in websocket]
        assert received == [f"m{i}" for i in range(200)]
    finally:
        server.should_exit = True
        await serving

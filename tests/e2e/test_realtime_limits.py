"""Limits of the live feed on real processes and sockets: a client that stops reading is
closed without the server buffering its replay, and an API key gets no more connections than
allowed across the realtime replicas behind Traefik."""

import asyncio
import base64
import os
import socket
import struct
from collections.abc import Iterator

import httpx
import pytest
from redis import Redis
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from tests.factories import event
from tests.waiting import eventually
from tracker_contracts import DATA_FIELD, KEY_NAME_HEADER, EventKind, encode_event
from tracker_localstack.processes import Service

from .conftest import Stack

pytestmark = pytest.mark.timeout(180)

REPLAYED = 4000
MESSAGE = "x" * 8000
"""4,000 events of 8 kB: 32 MB, far more than the sockets' buffers on both ends hold."""


@pytest.fixture
def impatient_realtime(redis_url: str, events_stream: str) -> Iterator[Service]:
    env = {
        "REQUIRE_GATEWAY_IDENTITY": "false",
        "REDIS_URL": redis_url,
        "EVENTS_STREAM": events_stream,
        "CLIENT_SEND_TIMEOUT_SECONDS": "0.5",
    }
    service = Service("tracker_realtime", env).start()
    yield service
    service.stop()


def fill_stream(redis_url: str, stream: str, project: str) -> list[str]:
    events = [
        event(EventKind.STATUS, i, project=project, task_id=f"t{i}", message=MESSAGE)
        for i in range(REPLAYED + 1)
    ]
    with Redis.from_url(redis_url) as redis:
        pipe = redis.pipeline(transaction=False)
        for entry in events:
            pipe.xadd(stream, {DATA_FIELD: encode_event(entry)})
        return [entry_id.decode() for entry_id in pipe.execute()]


def open_without_reading(url: str, path: str) -> socket.socket:
    """A WebSocket whose client reads the handshake answer and then nothing."""
    host, port = url.removeprefix("http://").split(":")
    client = socket.socket()
    client.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    client.connect((host, int(port)))
    key = base64.b64encode(os.urandom(16)).decode()
    client.sendall(
        f"GET {path} HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n".encode()
    )
    answer = b""
    while not answer.endswith(b"\r\n\r\n"):
        answer += client.recv(1)
    assert answer.startswith(b"HTTP/1.1 101"), answer
    return client


def read_frames(client: socket.socket) -> tuple[int, tuple[int, str] | None]:
    """Read until the connection ends: the number of text frames, and the close frame's code
    and reason if one came."""
    stream = client.makefile("rb")
    texts = 0

    def exactly(size: int) -> bytes:
        data = stream.read(size)
        if len(data) < size:
            raise EOFError
        return data

    try:
        while True:
            first, second = exactly(2)
            length = second & 0x7F
            if length == 126:
                (length,) = struct.unpack("!H", exactly(2))
            elif length == 127:
                (length,) = struct.unpack("!Q", exactly(8))
            payload = exactly(length)
            opcode = first & 0x0F
            if opcode == 0x1:
                texts += 1
            elif opcode == 0x8:
                (code,) = struct.unpack("!H", payload[:2])
                return texts, (code, payload[2:].decode())
    except (EOFError, ConnectionError):
        return texts, None


def test_a_client_that_stops_reading_its_replay_is_closed_without_buffering_it(
    impatient_realtime: Service, redis_url: str, events_stream: str
) -> None:
    ids = fill_stream(redis_url, events_stream, "p")
    stats = f"{impatient_realtime.url}/api/websocket/stats"
    client = open_without_reading(impatient_realtime.url, f"/webhook/ws?project=p&since={ids[0]}")
    with client:
        eventually(lambda: httpx.get(stats).json()["total_connections"] == 1)
        # The server gives the client up while it still reads nothing ...
        eventually(lambda: httpx.get(stats).json()["total_connections"] == 0, within=60)
        # ... and what reaches it afterwards is what was in the buffers, then the close.
        received, closed = read_frames(client)

    assert closed == (1013, "client too slow; reconnect")
    assert received < REPLAYED, "the whole replay was buffered for a client that read nothing"


@pytest.fixture
def two_replicas(redis_url: str, events_stream: str) -> Iterator[list[Service]]:
    env = {
        "REQUIRE_GATEWAY_IDENTITY": "false",
        "REDIS_URL": redis_url,
        "EVENTS_STREAM": events_stream,
        "MAX_CONNECTIONS_PER_KEY": "3",
    }
    replicas = [Service("tracker_realtime", env).start() for _ in range(2)]
    yield replicas
    for replica in replicas:
        replica.stop()


def test_a_key_s_connections_are_capped_across_replica_processes(
    two_replicas: list[Service],
) -> None:
    """As the gateway stamps them: the key's name in X-Auth-Key-Name."""

    async def open_as(replica: Service, key_name: str) -> ClientConnection:
        url = replica.url.replace("http", "ws") + "/webhook/ws?project=p"
        return await connect(url, additional_headers={KEY_NAME_HEADER: key_name})

    async def scenario() -> tuple[tuple[int, str], str]:
        first, second = two_replicas
        held = [await open_as(first, "dashboard"), await open_as(second, "dashboard")]
        held.append(await open_as(first, "dashboard"))
        try:
            refused = await refusal(await open_as(second, "dashboard"))
            other = await open_as(second, "another")
            await other.send("ping")
            answer = await other.recv()
            await other.close()
        finally:
            await asyncio.gather(*[websocket.close() for websocket in held])
        return refused, str(answer)

    refused, answer = asyncio.run(scenario())

    assert refused == (4029, "this API key already has 3 open connections; close one first")
    assert answer == "pong"


async def open_feed(stack: Stack, key: str) -> ClientConnection:
    return await connect(f"{stack.ws_url}/webhook/ws?api_key={stack.keys[key]}&project=p")


async def refusal(websocket: ClientConnection) -> tuple[int, str]:
    with pytest.raises(ConnectionClosed) as closed:
        await websocket.recv()
    assert closed.value.rcvd is not None
    return closed.value.rcvd.code, closed.value.rcvd.reason


def test_a_key_holding_its_most_connections_is_refused_another(stack: Stack) -> None:
    limit = 100  # MAX_CONNECTIONS_PER_KEY's default

    def counted() -> int:
        answer = httpx.get(f"{stack.url}/api/websocket/stats", headers=stack.headers("operator"))
        return int(answer.json()["project_connections"].get("p", 0))

    async def scenario() -> tuple[tuple[int, str], str, str]:
        held = await asyncio.gather(*[open_feed(stack, "dashboard") for _ in range(limit)])
        try:
            await asyncio.to_thread(eventually, lambda: counted() == limit)
            one_more = await open_feed(stack, "dashboard")
            refused = await refusal(one_more)
            other = await open_feed(stack, "operator")  # another key is not affected
            await other.send("ping")
            other_answer = await other.recv()
            await other.close()
            await held.pop().close()
            await asyncio.to_thread(eventually, lambda: counted() == limit - 1)
            again = await open_feed(stack, "dashboard")  # a freed place can be taken
            await again.send("ping")
            again_answer = await again.recv()
            await again.close()
        finally:
            await asyncio.gather(*[websocket.close() for websocket in held])
        return refused, str(other_answer), str(again_answer)

    refused, other_answer, again_answer = asyncio.run(scenario())

    assert refused == (4029, f"this API key already has {limit} open connections; close one first")
    assert other_answer == "pong"
    assert again_answer == "pong"

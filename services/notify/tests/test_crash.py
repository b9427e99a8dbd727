"""A notify process killed (SIGKILL) while a receiver holds its delivery: once the lease has run
out another process sends it again, under the same `webhook-id`."""

import asyncio
import os
import signal
import subprocess
import sys
import uuid

import httpx

from tests.factories import GATEWAY_IDENTITY
from tests.waiting import eventually_async
from tracker_localstack.ports import free_port


def start_notify(settings, port: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DATABASE_URL": settings.database_url,
        "REDIS_URL": settings.redis_url.unicode_string(),
        "EVENTS_STREAM": settings.events_stream,
        "NOTIFY_LEASE_SECONDS": "3",
        "NOTIFY_POLL_SECONDS": "0.1",
    }
    command = [sys.executable, "-m", "uvicorn", "--factory", "tracker_notify.app:create_app"]
    return subprocess.Popen(
        [*command, "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"], env=env
    )


async def test_a_delivery_killed_mid_flight_is_sent_again_after_the_lease(
    settings, run_notify, receiver
) -> None:
    project = f"p-{uuid.uuid4().hex[:10]}"
    port = free_port()
    process = start_notify(settings, port)
    try:
        async with httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{port}", headers=GATEWAY_IDENTITY
        ) as api:

            async def healthy():
                try:
                    return (await api.get("/health")).status_code == 200
                except httpx.TransportError:
                    return False

            await eventually_async(healthy, within=30)
            channels = f"/api/projects/{project}/notifications/channels"
            receiver.delays["/h"] = 60  # the receiver holds the first attempt
            hook = (
                await api.post(
                    channels, json={"name": "h", "type": "webhook", "url": receiver.url("/h")}
                )
            ).json()
            test = (await api.post(f"{channels}/{hook['id']}/test")).json()
            await eventually_async(lambda: asyncio.sleep(0, receiver.at("/h")), within=10)
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)

    receiver.delays["/h"] = 0
    async with run_notify(settings) as notify:  # the replica that goes on

        async def sent():
            found = await notify.deliveries(project, status="sent")
            return found or None

        [delivery] = await eventually_async(sent, within=20)
    first, second = receiver.at("/h")
    assert first.headers["webhook-id"] == second.headers["webhook-id"] == test["id"]
    assert (delivery["id"], delivery["attempts"]) == (test["id"], 2)

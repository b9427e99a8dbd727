"""Ingest writes the stream and its keys in one Redis call: in Redis Cluster they must all hash
to one slot, the stream's, or the call is refused (CROSSSLOT)."""

import uuid

from redis.asyncio import Redis
from redis.crc import key_slot

from tests.factories import body
from tracker_contracts import EventKind, appended_count_key


async def test_every_key_the_append_script_writes_is_in_the_streams_slot(
    serve_ingest, redis_url, events_stream
) -> None:
    async with serve_ingest() as client:
        with_event_id = body(EventKind.START, event_id=str(uuid.uuid4()))
        assert (await client.post("/webhook/start", json=with_event_id)).status_code == 202
        keyed = body(EventKind.START, task_id="keyed")
        answer = await client.post("/webhook/start", json=keyed, headers={"Idempotency-Key": "k"})
        assert answer.status_code == 202
        batch = [{"type": "status", **body(EventKind.STATUS, event_id=str(uuid.uuid4()))}]
        assert (await client.post("/webhook/batch", json={"events": batch})).status_code == 207
    async with Redis.from_url(redis_url) as redis:
        written = sorted([key.decode() async for key in redis.scan_iter(f"*{events_stream}*")])
    assert events_stream in written
    assert appended_count_key(events_stream) in written
    assert len([key for key in written if ":idem:" in key]) == 3, written
    assert {key: key_slot(key.encode()) for key in written} == dict.fromkeys(
        written, key_slot(events_stream.encode())
    )

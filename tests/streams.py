"""Reading the event stream back the way the services' FastStream consumers do."""

from faststream.redis import RedisBroker, StreamSub

from tracker_contracts import EVENT_ADAPTER, AnyTaskEvent


async def stream_events(redis_url: str, stream: str) -> list[AnyTaskEvent]:
    """Every entry of the stream, in stream order, decoded as a FastStream consumer would."""
    async with RedisBroker(redis_url) as broker:
        subscriber = broker.subscriber(stream=StreamSub(stream, last_id="0"))
        await subscriber.start()
        decoded = []
        while message := await subscriber.get_one(timeout=0.2):
            decoded.append(EVENT_ADAPTER.validate_python(await message.decode()))
        return decoded

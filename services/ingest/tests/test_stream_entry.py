"""Stream entries are byte for byte what FastStream writes, and FastStream reads them back."""

import pytest
from faststream.redis import BinaryMessageFormatV1

from tests.factories import body
from tracker_contracts import WEBHOOK_FOR_KIND, EventKind, envelop
from tracker_ingest import stream_entry


@pytest.mark.parametrize("kind", list(EventKind))
async def test_an_entry_is_what_faststream_would_write(kind: EventKind) -> None:
    event = envelop(WEBHOOK_FOR_KIND[kind].model_validate(body(kind, task="Ünïcode ✓ " * 40)))
    data = event.model_dump_json().encode()

    entry = await stream_entry.encode(event)

    assert entry == await BinaryMessageFormatV1.encode(
        message=data,
        reply_to=None,
        headers={"content-type": "application/json"},
        correlation_id=str(event.event_id),
    )
    read_data, headers = BinaryMessageFormatV1.parse(entry)
    assert read_data == data
    assert headers["correlation_id"] == str(event.event_id)

"""The events an export mapped to, on the stream: only the projects the key may post to, each
task's usage from its one source, then published as a batch webhook's events are."""

from starlette.requests import HTTPConnection

from tracker_contracts import identity_of

from ..accepting import publisher_of
from ..settings import IngestSettings
from .records import Tally
from .usage_source import settle_usage

NOT_ALLOWED = "records for projects this API key may not post to"


async def store(connection: HTTPConnection, tally: Tally) -> tuple[int, int]:
    """Put the tally's events on the stream; the events stored and the usage-only records left
    out because their task's usage comes from another source. Records for projects the key may
    not post to are dropped into the tally. Redis failing or the stream being full raises, as
    for a batch: nothing of the export is then answered as accepted."""
    settings: IngestSettings = connection.app.state.settings
    identity = identity_of(connection.scope["headers"])
    allowed = [c for c in tally.candidates if identity.allows(c.webhook.project)]
    tally.drop(NOT_ALLOWED, len(tally.candidates) - len(allowed))
    tally.candidates = allowed
    kept, superseded = await settle_usage(
        connection.app.state.redis,
        settings.events_stream,
        tally,
        settings.otlp_usage_source_ttl_seconds,
    )
    if kept:
        # An event id answered with IdempotencyMismatch (the same record, mapped otherwise
        # since) was stored by its first export: it counts as stored, as OTLP has no other
        # answer for it.
        await publisher_of(connection).publish_many([c.webhook for c in kept])
    return len(kept), superseded

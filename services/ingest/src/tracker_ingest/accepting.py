"""Accepting a webhook: the one way a valid body becomes an event on the stream.

The four webhook routes, the fast path in front of them and each event of a batch all end
here. `admit` holds the rules a body must pass (the webhook's model, then the key's projects as
the gateway forwarded them); `accept` admits one webhook and publishes it (envelope,
idempotency, group commit: `publisher`). Refusals are exceptions the app maps to answers once:
`ProjectNotAllowed` is 403, a `ValidationError` 422, and the publisher's failures 503.
"""

from typing import Any

from starlette.requests import HTTPConnection

from tracker_contracts import Identity, Webhook, identity_of

from .publisher import Acceptance, EventPublisher


class ProjectNotAllowed(Exception):
    """The API key is limited to other projects."""

    def __init__(self, project: str) -> None:
        super().__init__(f"This API key may not post events for project '{project}'.")


def admit(model: type[Webhook], body: Any, identity: Identity) -> Webhook:
    """The webhook `body` (parsed JSON, or the model already) is, if the key may post it;
    `pydantic.ValidationError` or `ProjectNotAllowed` otherwise."""
    webhook = body if isinstance(body, model) else model.model_validate(body)
    if not identity.allows(webhook.project):
        raise ProjectNotAllowed(webhook.project)
    return webhook


async def accept(
    connection: HTTPConnection, model: type[Webhook], body: Any, idempotency_key: str | None
) -> Acceptance:
    """Admit one webhook sent on `connection` and put it on the stream."""
    identity = identity_of(connection.scope["headers"])
    webhook = admit(model, body, identity)
    return await publisher_of(connection).publish(webhook, idempotency_key, identity.key_name)


def publisher_of(connection: HTTPConnection) -> EventPublisher:
    publisher: EventPublisher = connection.app.state.publisher
    return publisher

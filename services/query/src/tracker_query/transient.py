"""Telling failures worth retrying (the database is away or busy) from failures of the event."""

from collections.abc import Iterator

from sqlalchemy.exc import DBAPIError

# SQLSTATE classes: 08 connection exception, 40 transaction rollback (serialization failure,
# deadlock), 53 insufficient resources, 57 operator intervention (shutdown, cannot connect now).
_TRANSIENT_SQLSTATE_CLASSES = frozenset({"08", "40", "53", "57"})


def is_transient(error: BaseException) -> bool:
    """True when retrying the same work later can succeed."""
    for cause in _chain(error):
        if isinstance(cause, OSError | TimeoutError):
            return True
        if isinstance(cause, DBAPIError) and cause.connection_invalidated:
            return True
        sqlstate = getattr(cause, "sqlstate", None)
        if isinstance(sqlstate, str) and sqlstate[:2] in _TRANSIENT_SQLSTATE_CLASSES:
            return True
        if type(cause).__name__ in {"ConnectionDoesNotExistError", "InterfaceError"} and (
            type(cause).__module__.startswith("asyncpg")
        ):
            return True
    return False


def _chain(error: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        orig = getattr(current, "orig", None)
        current = (
            orig if isinstance(orig, BaseException) else current.__cause__ or current.__context__
        )

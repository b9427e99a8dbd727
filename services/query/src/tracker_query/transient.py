"""Failures that say the database cannot take any event right now, whatever the event.

These are waited out without counting against anything: the connection is gone, the server is
busy, shutting down, short of resources, read-only (a failover to a replica), or a lock could not
be had in time. Any other failure may be the event's own, or may still be the system's (a table
or column missing during a rolling deploy, a revoked permission): the consumer's probe tells
those apart (see `consumer.py`).
"""

from collections.abc import Iterator

from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout

# SQLSTATE classes: 08 connection exception, 40 transaction rollback (serialization failure,
# deadlock), 53 insufficient resources, 57 operator intervention (shutdown, cannot connect now,
# statement timeout), 58 system error (I/O).
_TRANSIENT_SQLSTATE_CLASSES = frozenset({"08", "40", "53", "57", "58"})
# 25006 read-only SQL transaction (a replica, or `default_transaction_read_only`), 55P03 lock
# not available (`lock_timeout`), 55006 object in use.
_READ_ONLY = "25006"
_TRANSIENT_SQLSTATES = frozenset({_READ_ONLY, "55P03", "55006"})


def is_transient(error: BaseException) -> bool:
    """True when the failure is the database's state, so retrying the same work later can do."""
    for cause in _chain(error):
        if isinstance(cause, OSError | TimeoutError | PoolTimeout):
            return True
        if isinstance(cause, DBAPIError) and cause.connection_invalidated:
            return True
        sqlstate = getattr(cause, "sqlstate", None)
        if isinstance(sqlstate, str) and (
            sqlstate[:2] in _TRANSIENT_SQLSTATE_CLASSES or sqlstate in _TRANSIENT_SQLSTATES
        ):
            return True
        if type(cause).__name__ in {"ConnectionDoesNotExistError", "InterfaceError"} and (
            type(cause).__module__.startswith("asyncpg")
        ):
            return True
    return False


def is_read_only(error: BaseException) -> bool:
    """True when the database refused a write as read-only (SQLSTATE 25006)."""
    return any(getattr(cause, "sqlstate", None) == _READ_ONLY for cause in _chain(error))


def describe(error: BaseException, limit: int = 300) -> str:
    """One line naming the failure at its root (the driver's error, not the statement that
    carried it), for logs and health reports."""
    *_, root = _chain(error)
    text = " ".join(f"{type(root).__name__}: {root}".split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


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

"""What PostgreSQL plans for a statement the application really sent."""

from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import event as sa_event
from sqlalchemy.ext.asyncio import AsyncConnection


async def sent_statements(
    connection: AsyncConnection, action: Callable[[], Awaitable[Any]]
) -> list[tuple[str, Any]]:
    """Every statement (with its parameters) `action` sends over `connection`."""
    statements: list[tuple[str, Any]] = []

    def keep(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        statements.append((statement, parameters))

    sa_event.listen(connection.sync_connection, "before_cursor_execute", keep)
    try:
        await action()
    finally:
        sa_event.remove(connection.sync_connection, "before_cursor_execute", keep)
    return statements


async def plan_of(connection: AsyncConnection, statement: str, parameters: Any) -> str:
    """EXPLAIN of a sent statement, prepared as the driver prepares it, with its values."""
    await connection.exec_driver_sql(f"PREPARE planned AS {statement}")
    arguments = ", ".join("'{}'".format(str(value).replace("'", "''")) for value in parameters)
    result = await connection.exec_driver_sql(f"EXPLAIN EXECUTE planned({arguments})")
    return "\n".join(line for (line,) in result)

"""Per-statement time limits and how each engine reports them: dialect differences as data."""

from __future__ import annotations

import time
from collections.abc import Callable

from sqlalchemy.engine import Connection


def _sqlite(connection: Connection, seconds: float) -> Callable[[], None]:
    """SQLite: a progress handler that interrupts the statement once the deadline has passed."""
    raw = connection.connection.dbapi_connection
    deadline = time.monotonic() + seconds
    raw.set_progress_handler(lambda: int(time.monotonic() > deadline), 1000)  # type: ignore[union-attr]
    return lambda: raw.set_progress_handler(None, 0)  # type: ignore[union-attr]


def _postgresql(connection: Connection, seconds: float) -> Callable[[], None]:
    connection.exec_driver_sql(f"SET statement_timeout = {max(1, int(seconds * 1000))}")
    return lambda: None


def _by_connection(connection: Connection, seconds: float) -> Callable[[], None]:
    """SQL Server: pymssql's query timeout is set when the engine connects (see engine.py)."""
    return lambda: None


ARM: dict[str, Callable[[Connection, float], Callable[[], None]]] = {
    "sqlite": _sqlite,
    "postgresql": _postgresql,
}

# Lower-case fragments of the driver message that mean "the time limit was hit".
TIMEOUT_MARKERS: dict[str, tuple[str, ...]] = {
    "sqlite": ("interrupted",),
    "postgresql": ("statement timeout", "canceling statement"),
    "mssql": ("timeout", "timed out"),
}

PERMISSION_MARKERS = (
    "permission denied",
    "permission was denied",
    "not authorized",
    "access denied",
)


def arm(connection: Connection, seconds: float) -> Callable[[], None]:
    """Start the limit for the next statement; call the result to lift it."""
    return ARM.get(connection.dialect.name, _by_connection)(connection, seconds)


def is_timeout(dialect: str, message: str) -> bool:
    text = message.lower()
    return any(marker in text for marker in TIMEOUT_MARKERS.get(dialect, ("timeout",)))


def is_permission_error(message: str) -> bool:
    return any(marker in message.lower() for marker in PERMISSION_MARKERS)

"""Per-statement time limits and how each engine reports them: dialect differences as data."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator

from sqlalchemy.engine import URL, Connection
from sqlalchemy.exc import DBAPIError

from osddl.errors import SourceError
from osddl.faults import CODES
from osddl.source.engine import redact

# SQLite virtual-machine steps between two deadline checks: each check is a Python call, and every
# 1,000 steps cost 4% of a wide scan (docs/performance.md); 100,000 steps take well under 10 ms.
SQLITE_CHECK_STEPS = 100_000


def _sqlite(connection: Connection, seconds: float) -> Callable[[], None]:
    """SQLite: a progress handler that interrupts the statement once the deadline has passed."""
    raw = connection.connection.dbapi_connection
    deadline = time.monotonic() + seconds
    raw.set_progress_handler(  # type: ignore[union-attr]
        lambda: int(time.monotonic() > deadline), SQLITE_CHECK_STEPS
    )
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


def driver_line(exc: DBAPIError) -> str:
    """The first line of the driver's message (drivers add SQL text and hints below it)."""
    text = str(exc.orig).strip()
    return text.splitlines()[0] if text else "error"


def denied_read(url: URL, message: str, where: str) -> SourceError | None:
    """One line naming the refused table and the missing grant; None for other failures."""
    if not is_permission_error(message):
        return None
    return SourceError(
        f"{redact(url)}: {message} on {where}; grant SELECT on it to this principal",
        CODES["EX_NOPERM"],
    )


@contextlib.contextmanager
def grant_errors(url: URL, where: str) -> Iterator[None]:
    """Reads of `where` that the principal may not do end in `denied_read`'s one line."""
    try:
        yield
    except DBAPIError as exc:
        denied = denied_read(url, driver_line(exc), where)
        if denied is None:
            raise
        raise denied from None

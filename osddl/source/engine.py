"""Connecting to the source: redacted URLs, read-only SQLite with attached schemas, clear errors."""

from __future__ import annotations

import contextlib
import math
import re
import sqlite3
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchTableError, SQLAlchemyError

from osddl.errors import SourceError

_PASSWORD = re.compile(r"(://[^:/@]*:)([^@]*)(@)")

# The engine's own name for the schema that OutSystems calls `dbo`.
DEFAULT_SCHEMA: dict[str, str] = {"sqlite": "main", "postgresql": "public", "mssql": "dbo"}


def redact(url: str | URL) -> str:
    """`mssql+pymssql://user:pw@host/db` → `mssql+pymssql://user:***@host/db`."""
    text = url.render_as_string(hide_password=False) if isinstance(url, URL) else str(url)
    return _PASSWORD.sub(r"\1***\3", text)


def _scrub(message: str, url: URL) -> str:
    """A driver message with the password (if any) removed, first line only."""
    line = message.strip().splitlines()[0] if message.strip() else "no detail"
    return line.replace(url.password, "***") if url.password else line


def sqlite_attachments(main: Path, attach: Mapping[str, str]) -> dict[str, Path]:
    """Explicit `source.attach`, else every sibling `<stem>_<schema>.sqlite` of the main file."""
    if attach:
        return {schema: Path(path) for schema, path in sorted(attach.items())}
    prefix = main.stem + "_"
    return {
        sibling.stem[len(prefix) :]: sibling
        for sibling in sorted(main.parent.glob(f"{prefix}*{main.suffix}"))
        if sibling.stem[len(prefix) :].isidentifier()
    }


def _sqlite_engine(url: URL, attach: Mapping[str, str]) -> Engine:
    if not url.database or url.database == ":memory:":
        raise SourceError(f"{redact(url)}: a SQLite source needs a database file path")
    main = Path(url.database)
    if not main.is_file():
        raise SourceError(
            f"{redact(url)}: database file {main} not found; check source.url "
            "(for the demo run `doit demo_db` first)"
        )
    attachments = sqlite_attachments(main, attach)
    for schema, path in attachments.items():
        if not path.is_file():
            raise SourceError(f"source.attach: {schema} = {path}: file not found; fix the path")

    def connect() -> sqlite3.Connection:
        conn = sqlite3.connect(f"file:{main.resolve()}?mode=ro", uri=True, check_same_thread=False)
        for schema, path in attachments.items():
            conn.execute(f"ATTACH DATABASE 'file:{path.resolve()}?mode=ro' AS \"{schema}\"")
        return conn

    return sa.create_engine(url, creator=connect)


def create_source_engine(
    url_text: str,
    attach: Mapping[str, str] | None = None,
    connect_timeout: int = 15,
    query_timeout: float | None = None,
) -> Engine:
    """An engine for the source URL; SQLite opens read-only, servers get a connect timeout."""
    try:
        url = make_url(url_text)
    except ArgumentError:
        raise SourceError(
            f"source.url {redact(url_text)!r} is not a SQLAlchemy URL; expected "
            "e.g. mssql+pymssql://user:pw@host:1433/QA"
        ) from None
    if url.get_backend_name() == "sqlite":
        return _sqlite_engine(url, attach or {})
    connect_args: dict[str, Any] = {}
    if url.get_backend_name() == "postgresql":
        connect_args["connect_timeout"] = connect_timeout
    elif url.get_backend_name() == "mssql":
        connect_args["login_timeout"] = connect_timeout
        if query_timeout:
            connect_args["timeout"] = max(1, math.ceil(query_timeout))
    try:
        return sa.create_engine(url, connect_args=connect_args)
    except (ImportError, ArgumentError) as exc:
        raise SourceError(
            f"{redact(url)}: cannot use this URL ({exc}); install the driver "
            "or fix the dialect name"
        ) from None


@contextlib.contextmanager
def source_errors(engine: Engine) -> Iterator[None]:
    """Turn driver errors into one operator message with the redacted URL and what to check."""
    try:
        yield
    except NoSuchTableError as exc:
        raise SourceError(
            f"{redact(engine.url)}: table {exc} not found; is this an OutSystems "
            "database, and may this principal see it (VIEW DEFINITION)?"
        ) from None
    except DBAPIError as exc:
        detail = _scrub(str(exc.orig), engine.url)
        hint = (
            "check that the server is running and reachable, the credentials, and that the "
            "principal has SELECT and VIEW DEFINITION"
        )
        if exc.connection_invalidated or "connect" in detail.lower():
            hint = "check host, port, network and credentials"
        raise SourceError(f"{redact(engine.url)}: {detail}; {hint}") from None
    except SQLAlchemyError as exc:
        raise SourceError(f"{redact(engine.url)}: {_scrub(str(exc), engine.url)}") from None


class StatementCounter:
    """Counts SQL statements sent through an engine (tests and benchmarks read it)."""

    def __init__(self, engine: Engine) -> None:
        self.count = 0
        sa.event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, *_: Any) -> None:
        self.count += 1

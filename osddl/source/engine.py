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

from osddl.errors import InputError, SourceError

# Names of connection parameters that carry a secret (query strings, ODBC connection strings,
# keyword=value text), matched case-insensitively.
SECRET_PARAMETERS: tuple[str, ...] = ("password", "passwd", "pwd", "token", "access_token")
MASK = "***"

# `scheme://user:SECRET@host`: the secret runs to the last `@` of the token, so a raw `@` in a
# password is hidden too (an over-redacted host beats a leaked password).
_USERINFO = re.compile(r"([\w+.-]+://[^:/@\s]*:)\S*(@)")
# `?password=SECRET&`, `;PWD=SECRET;`, `%3BPWD%3DSECRET%3B` (a URL-encoded `odbc_connect`),
# `PWD={SE;CRET}`: the value runs to the next separator, plain or URL-encoded.
_PARAMETER = re.compile(
    r"((?:^|[?&;=\s]|%3B|%26)(?:" + "|".join(SECRET_PARAMETERS) + r")\s*(?:=|%3D)\s*)"
    r"(?:\{[^}]*\}?|%7B.*?(?:%7D|$)|.*?(?=%3B|%26|[&;\s#]|$))",
    re.IGNORECASE,
)

# A driver module a source URL needs → (the database, how to install it): a plain `pip install
# osddl` has no PostgreSQL driver (the extra `osddl[postgres]` brings psycopg 3).
DRIVERS: dict[str, tuple[str, str]] = {
    "psycopg": ("PostgreSQL", "pip install 'osddl[postgres]'"),
    "psycopg2": (
        "PostgreSQL",
        "write the URL as postgresql+psycopg://... and pip install 'osddl[postgres]'",
    ),
    "pymssql": ("SQL Server", "pip install pymssql (a dependency of osddl: reinstall osddl)"),
}

# The engine's own name for the schema that OutSystems calls `dbo`.
DEFAULT_SCHEMA: dict[str, str] = {"sqlite": "main", "postgresql": "public", "mssql": "dbo"}


def redact(url: str | URL) -> str:
    """Any text with every secret of a connection URL masked: the password of `user:pw@host`,
    `password`/`pwd`/`token`/`access_token` parameters (any case) and the `PWD=` of an
    `odbc_connect` string, plain or URL-encoded. The one redaction of osddl: messages, logs, cache
    entries, the manifest and doit's state all go through it."""
    text = url.render_as_string(hide_password=False) if isinstance(url, URL) else str(url)
    return _PARAMETER.sub(rf"\1{MASK}", _USERINFO.sub(rf"\1{MASK}\2", text))


def scrub(value: Any) -> Any:
    """`redact` applied to every string of a JSON-like value (maps and lists recursively)."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, Mapping):
        return {str(k): scrub(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [scrub(v) for v in value]
    return value


def _secrets_of(url: URL) -> list[str]:
    """The literal secrets a URL carries, longest first (a driver may echo one in any form)."""
    found = [url.password or ""]
    for name, value in url.query.items():
        for item in (value,) if isinstance(value, str) else value:
            if name.lower() in SECRET_PARAMETERS:
                found.append(item)
            found += [m.group(0)[len(m.group(1)) :] for m in _PARAMETER.finditer(item)]
    return sorted({str(s) for s in found if s and s != MASK}, key=len, reverse=True)


def _scrub(message: str, url: URL) -> str:
    """A driver message with the URL's secrets removed, first line only."""
    line = message.strip().splitlines()[0] if message.strip() else "no detail"
    for secret in _secrets_of(url):
        line = line.replace(secret, MASK)
    return redact(line)


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
        driver = getattr(exc, "name", None) or ""
        if driver in DRIVERS:
            database, install = DRIVERS[driver]
            raise InputError(
                f"source.url: the {database} driver ({driver}) is not installed; {install}"
            ) from None
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
        from osddl.faults import source_fault  # the fix and exit code of each kind of fault

        raise source_fault(
            exc.orig, redact(engine.url), _scrub(str(exc.orig), engine.url)
        ) from None
    except SQLAlchemyError as exc:
        raise SourceError(f"{redact(engine.url)}: {_scrub(str(exc), engine.url)}") from None


class StatementCounter:
    """Counts SQL statements sent through an engine (tests and benchmarks read it)."""

    def __init__(self, engine: Engine) -> None:
        self.count = 0
        sa.event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, *_: Any) -> None:
        self.count += 1

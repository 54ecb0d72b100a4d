"""Arrow-native reading of a source table for snapshots (ADBC), beside the SQLAlchemy reference.

`adbc_batches` reads a SQLite table (`adbc-driver-sqlite`) or a PostgreSQL table
(`adbc-driver-postgresql`, when installed) as Arrow record batches, in primary-key order like the
reference query.

PostgreSQL is statically typed: a column's Arrow type is the column's, and the Python value of each
Arrow type listed in `_POSTGRES_EXACT` is the one psycopg gives the reference. Any other column type
(`real`, which psycopg reads from its text, `timestamptz`, which psycopg gives in the session's time
zone, ...) refuses the table, which the reference path then reads.

SQLite is dynamically typed and ADBC fixes each column's Arrow type from its first batch,
converting later values silently (an integer into a double column loses digits past 2**53, a real
into a text column is printed with 15 digits). So every column is
read through a guard that lets through only the storage classes whose Arrow value equals the value
Python's sqlite3 would give the reference converter; any other value makes SQLite stop the query
(`_REFUSE`, an integer overflow), and the caller reads the table again through the reference path.
A table whose first batch leaves a column's type undecided (all NULL) and then holds other values
is refused the same way (ADBC's type mismatch). Either way the snapshot's bytes do not change.

Engines without an ADBC driver (SQL Server through pymssql: `DBAPI_DIALECTS`) are read by
`dbapi_batches`: the same SELECT through the engine's DBAPI cursor, each fetched batch turned into
Arrow column by column (`_PYTHON_COLUMNS`). A column is taken only when all its values have one
Python type whose Arrow column the snapshot type takes exactly; any other column refuses the table.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import decimal
import uuid
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import text
from sqlalchemy.engine import URL, Engine
from sqlalchemy.exc import DBAPIError

from osddl.errors import SourceError
from osddl.faults import database_fault, source_fault
from osddl.source.engine import redact
from osddl.tsql.types import SqlType

# Evaluated only for a refused value (SQLite evaluates CASE branches lazily): "integer overflow".
_REFUSE = "abs(-9223372036854775807 - 1)"
_EXACT_REAL = 2**53  # integers SQLite converts to REAL (and Python to float) exactly


class FastPathRefused(Exception):
    """The Arrow reader cannot give the reference's values for this table: use the reference."""


# How a dialect quotes an identifier (opening, closing mark; the closing mark doubled inside):
# SQL Server's brackets hold whatever QUOTED_IDENTIFIER the connection has; the others: ANSI.
_QUOTES: dict[str, tuple[str, str]] = {"mssql": ("[", "]")}
_ANSI_QUOTES = ('"', '"')


def _name(identifier: str, dialect: str = "sqlite") -> str:
    opening, closing = _QUOTES.get(dialect, _ANSI_QUOTES)
    return opening + identifier.replace(closing, closing * 2) + closing


def _guard(column: str, sql_type: SqlType) -> str:
    """The column as a SQL expression of one SQLite storage class ADBC reads exactly."""
    c, info = _name(column), sql_type.info
    kind = f"typeof({c})"
    if info.arrow in ("int64", "bool"):
        allowed = f"{kind} IN ('integer', 'null') THEN {c}"
    elif info.arrow in ("decimal", "float64"):
        small = f"{c} BETWEEN -{_EXACT_REAL} AND {_EXACT_REAL}"
        bound = f" AND {small}" if info.arrow == "decimal" else ""
        return (
            f"CASE WHEN {kind} = 'integer'{bound} THEN CAST({c} AS REAL) "
            f"WHEN {kind} IN ('real', 'null') THEN {c} ELSE {_REFUSE} END"
        )
    elif info.arrow == "binary":
        allowed = f"{kind} IN ('blob', 'null') THEN {c}"
    elif info.family == "text":
        return (
            f"CASE WHEN {kind} IN ('text', 'null') THEN {c} "
            f"WHEN {kind} = 'integer' THEN CAST({c} AS TEXT) ELSE {_REFUSE} END"
        )
    else:  # GUIDs and dates/times: text only
        allowed = f"{kind} IN ('text', 'null') THEN {c}"
    return f"CASE WHEN {allowed} ELSE {_REFUSE} END"


def query(
    dialect: str,
    schema: str,
    table: str,
    columns: Sequence[tuple[str, SqlType]],
    keys: Sequence[str],
) -> str:
    """The SELECT in key order (the reference query's order); SQLite's columns guarded. The
    guarded columns keep their names, so the ORDER BY names the table's own columns: ordered by a
    guard, SQLite would sort (an INTEGER PRIMARY KEY is read in order without sorting) and, where
    a guard turns integers into text, in another order than the reference."""
    source = f"{_name(schema, dialect)}.{_name(table, dialect)}"
    if dialect == "sqlite":
        select = ", ".join(f"{_guard(name, t)} AS {_name(name)}" for name, t in columns)
        order = ", ".join(f"{source}.{_name(k)}" for k in keys)
    else:
        select = ", ".join(_name(name, dialect) for name, _ in columns)
        order = ", ".join(_name(k, dialect) for k in keys)
    return f"SELECT {select} FROM {source} ORDER BY {order}"


# Arrow types of ADBC PostgreSQL whose Python values equal psycopg's (numeric: its text).
_POSTGRES_EXACT = (
    pa.types.is_integer,
    pa.types.is_boolean,
    pa.types.is_float64,
    pa.types.is_string,
    pa.types.is_binary,
    pa.types.is_date32,
    lambda t: pa.types.is_time64(t) and t.unit == "us",
    lambda t: pa.types.is_timestamp(t) and t.tz is None and t.unit == "us",
    lambda t: getattr(t, "extension_name", "") == "arrow.uuid",
)


def sqlite_files(engine: Engine) -> list[tuple[str, str]]:
    """(schema, file) of the engine's SQLite connection: the main file and its attachments."""
    with engine.connect() as connection:
        rows = connection.execute(text("PRAGMA database_list")).all()
    return [(str(r[1]), str(r[2])) for r in rows if r[1] != "temp" and r[2]]


def _is_numeric(arrow: pa.DataType) -> bool:
    """ADBC's `numeric`: an opaque extension type holding the value's text."""
    return getattr(arrow, "extension_name", "") == "arrow.opaque" and arrow.type_name == "numeric"


def _numeric_text(arrow: pa.DataType) -> pa.DataType:
    return arrow.storage_type if _is_numeric(arrow) else arrow


def adbc_batches(engine: Engine, query: str, batch_rows: int) -> Iterator[pa.RecordBatch] | None:
    """Record batches of `query` through ADBC, None when ADBC cannot read this source (another
    engine, the driver not installed, an in-memory database). Raises FastPathRefused."""
    try:
        if engine.dialect.name == "sqlite":
            import adbc_driver_sqlite.dbapi as sqlite

            databases = sqlite_files(engine)
            if databases and databases[0][0] == "main":
                return read_sqlite(sqlite, databases, query, batch_rows)
        elif engine.dialect.name == "postgresql":
            import adbc_driver_postgresql.dbapi as postgres  # type: ignore[import-untyped]

            return _read_postgres(postgres, engine.url, query, batch_rows)
    except ImportError:
        pass
    return None


def read_sqlite(
    adbc: Any, databases: list[tuple[str, str]], query: str, batch_rows: int
) -> Iterator[pa.RecordBatch]:
    """`query`'s batches through adbc-driver-sqlite, every file opened read-only and the others
    attached under their schema names; FastPathRefused (while iterating) when ADBC fails."""
    (_, main), *attached = databases
    try:
        with (
            contextlib.closing(adbc.connect(f"file:{main}?mode=ro")) as connection,
            contextlib.closing(connection.cursor()) as cursor,
        ):
            for schema, path in attached:
                uri = f"file:{path}?mode=ro".replace("'", "''")
                cursor.execute(f"ATTACH DATABASE '{uri}' AS {_name(schema)}")
            cursor.adbc_statement.set_options(**{"adbc.sqlite.query.batch_rows": str(batch_rows)})
            cursor.execute(query)
            for batch in cursor.fetch_record_batch():
                batch.validate()  # past 2 GiB of a column's values, ADBC's offsets wrap around
                yield batch
    except (OSError, pa.ArrowException, adbc.Error) as error:
        raise FastPathRefused(str(error)) from None


def _read_postgres(adbc: Any, url: URL, query: str, batch_rows: int) -> Iterator[pa.RecordBatch]:
    try:
        libpq = url.set(drivername="postgresql").render_as_string(hide_password=False)
        with (
            contextlib.closing(adbc.connect(libpq)) as connection,
            contextlib.closing(connection.cursor()) as cursor,
        ):
            cursor.adbc_statement.set_options(
                **{"adbc.postgresql.batch_size_hint_bytes": str(max(batch_rows, 1) * 256)}
            )
            cursor.execute(query)
            reader = cursor.fetch_record_batch()
            for field in reader.schema:
                if not any(exact(_numeric_text(field.type)) for exact in _POSTGRES_EXACT):
                    raise FastPathRefused(f"{field.name}: {field.type} is not read exactly")
            for batch in reader:
                yield pa.RecordBatch.from_arrays(
                    [c.storage if _is_numeric(c.type) else c for c in batch.columns],
                    names=batch.schema.names,
                )
    except (OSError, pa.ArrowException, adbc.Error) as error:
        raise _lost(error, url) or FastPathRefused(type(error).__name__) from None


def _lost(error: BaseException, url: URL) -> SourceError | None:
    """A connection lost while reading is the operator's fault line, as on the reference path
    (reading again there could hide it); anything else lets the reference path read and report."""
    fault = database_fault(error)
    if fault is None or fault.exit != "EX_TEMPFAIL":
        return None
    line = str(error).strip().splitlines()[0] if str(error).strip() else "no detail"
    detail = line.replace(url.password, "***") if url.password else line
    return source_fault(error, redact(url), detail)


# ---- DBAPI cursor, columnar conversion ---------------------------------------------------------

# Dialects read through `dbapi_batches` when `adbc_batches` has no reader for them.
DBAPI_DIALECTS: frozenset[str] = frozenset({"mssql"})

_Prepare = Callable[[Sequence[Any]], pa.Array]


def _typed(arrow: pa.DataType) -> _Prepare:
    return lambda values: pa.array(values, arrow)


def _printed(values: Sequence[Any]) -> pa.Array:
    """Arrow's inferred column printed (decimals at the inferred scale, dates and times with 6
    fractional digits): text the snapshot kernels parse, exactly the value the driver gave."""
    return pc.cast(pa.array(values), pa.string())


def _naive_printed(values: Sequence[Any]) -> pa.Array:
    """Datetimes printed; an offset refuses the column (Arrow would shift the value to the
    column's first offset, the reference keeps each value's own clock)."""
    if any(v is not None and v.tzinfo is not None for v in values):
        raise FastPathRefused("a datetime with an offset")
    return _printed(values)


def _uuid_text(values: Sequence[Any]) -> pa.Array:
    return pa.array([None if v is None else str(v) for v in values], pa.string())


# The snapshot column a fetched column goes into: the family where the snapshot string is not plain
# text, else the type table's Arrow type.
_SPECIAL_FAMILIES = ("guid", "date", "time", "datetime")


def _target(sql_type: SqlType) -> str:
    info = sql_type.info
    return info.family if info.family in _SPECIAL_FAMILIES else info.arrow


# Python type of a driver value → (its column in Arrow, the targets (`_target`) whose kernel or
# converter gives from that column what the reference converter gives from the value; None: all).
# Arrow prints decimals at the inferred scale ("1.50" for 1.5) and moments with 6 digits
# ("10:00:00.000000"): exact where the reference parses the value (decimal, date and time
# columns), not where it keeps `str(value)` (text columns).
_PYTHON_COLUMNS: dict[type, tuple[_Prepare, frozenset[str] | None]] = {
    bool: (_typed(pa.bool_()), None),
    int: (_typed(pa.int64()), None),
    float: (_typed(pa.float64()), None),
    str: (_typed(pa.string()), None),
    bytes: (_typed(pa.binary()), None),
    uuid.UUID: (_uuid_text, frozenset({"guid", "string"})),
    decimal.Decimal: (_printed, frozenset({"decimal"})),
    dt.datetime: (_naive_printed, frozenset({"datetime", "date"})),
    dt.date: (_printed, frozenset({"date", "datetime"})),
    dt.time: (_printed, frozenset({"time"})),
}


def arrow_column(values: Sequence[Any], sql_type: SqlType) -> pa.Array:
    """One fetched column (driver values) as the Arrow column `to_snapshot` makes the reference's
    snapshot column from; FastPathRefused when no such column is known for these values."""
    kinds = {type(v) for v in values if v is not None}
    if not kinds:
        return pa.nulls(len(values))
    if len(kinds) > 1:
        names = ", ".join(sorted(k.__name__ for k in kinds))
        raise FastPathRefused(f"values of several types ({names})")
    (kind,) = kinds
    prepare, targets = _PYTHON_COLUMNS.get(kind, (None, frozenset()))
    target = _target(sql_type)
    if prepare is None or (targets is not None and target not in targets):
        raise FastPathRefused(f"{kind.__name__} values for a {target} column")
    try:
        return prepare(values)
    except (pa.ArrowException, ValueError, TypeError, ArithmeticError) as error:
        raise FastPathRefused(f"{kind.__name__} values: {error}") from None


def dbapi_batches(
    engine: Engine, query: str, columns: Sequence[tuple[str, SqlType]], batch_rows: int
) -> Iterator[pa.RecordBatch]:
    """Record batches of `query` (whose columns are `columns`) through the engine's DBAPI cursor,
    `batch_rows` rows fetched at a time. A lost connection is the operator's SourceError; any other
    driver error, and a column `arrow_column` refuses, is FastPathRefused (while iterating)."""
    names = [name for name, _ in columns]
    try:
        with (
            contextlib.closing(engine.raw_connection()) as connection,
            contextlib.closing(connection.cursor()) as cursor,
        ):
            cursor.execute(query)
            while rows := cursor.fetchmany(max(batch_rows, 1)):
                values = list(zip(*rows, strict=True))
                arrays = [arrow_column(v, t) for v, (_, t) in zip(values, columns, strict=True)]
                yield pa.RecordBatch.from_arrays(arrays, names=names)
    except (DBAPIError, engine.dialect.loaded_dbapi.Error) as error:
        driver = (error.orig if isinstance(error, DBAPIError) else None) or error
        raise _lost(driver, engine.url) or FastPathRefused(type(driver).__name__) from None

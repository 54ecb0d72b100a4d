"""Snapshots: a table read in primary-key order, streamed into Parquet, values exact.

Every value is normalised by its SQL Server type family into an Arrow type that holds it exactly:
integers, booleans, decimal128(p, s), float64, binary, and strings for text, GUIDs (upper case) and
dates/times (ISO 8601 with 7 fractional digits; drivers disagree on temporal types, text does not).
"""

from __future__ import annotations

import datetime as dt
import decimal
import os
import reprlib
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from osddl.errors import InputError
from osddl.export.background import each, feeding
from osddl.export.columnar import exact_batches, prefetch, to_snapshot
from osddl.export.fetch import (
    DBAPI_DIALECTS,
    FastPathRefused,
    adbc_batches,
    dbapi_batches,
    query,
)
from osddl.export.memory import use_export_pool
from osddl.io import temp_file_for
from osddl.model.contract import Attribute, Entity
from osddl.model.sqltype import SqlType, parse_sql_type
from osddl.profile.timeouts import grant_errors
from osddl.progress import Progress
from osddl.source.engine import DEFAULT_SCHEMA, source_errors
from osddl.tsql import qualified
from osddl.tsql.types import Arrow
from osddl.tsql.write import exact_decimal

SNAPSHOT_VERSION = "osddl.snapshot/1"
# A snapshot batch (a Parquet row group) ends at `data.fetch_rows` rows, or before the row that
# would take its text and binary values past this many bytes: memory stays flat for tables of
# large values too, and where batches end depends on the values alone (`exact_batches`).
SNAPSHOT_BATCH_BYTES = 32 * 2**20
# Rows read from the source at a time for a table with a binary column (files in Binary Data
# attributes, megabytes a row): the drivers count rows, not bytes.
BINARY_FETCH_ROWS = 64
STATIC_INDEX_VERSION = "osddl.static-data/1"  # data/static-data.json


def _fraction(value: dt.datetime | dt.time) -> str:
    return f"{value.microsecond:06d}0"


def _text_time(value: Any, date_part: bool, time_part: bool) -> str:
    """Temporal values (objects or driver text) as `YYYY-MM-DDThh:mm:ss.fffffff` pieces."""
    if isinstance(value, dt.datetime):
        text = f"{value.date().isoformat()}T{value.strftime('%H:%M:%S.')}{_fraction(value)}"
    elif isinstance(value, dt.date):
        text = value.isoformat()
    elif isinstance(value, dt.time):
        text = value.strftime("%H:%M:%S.") + _fraction(value)
    else:
        text = str(value).strip().replace(" ", "T")
    day, _, clock = text.partition("T") if "-" in text[:5] else ("", "", text)
    if clock:
        seconds, _, digits = clock.partition(".")
        clock = f"{seconds[:8]}.{(digits + '0000000')[:7]}"
    if date_part and time_part:
        return f"{day}T{clock or '00:00:00.0000000'}"
    return day if date_part else clock


def _decimal(value: Any, sql_type: SqlType) -> decimal.Decimal:
    """At the column's scale, rounded as SQL Server rounds into the type (the type table); a value
    with more digits than the type holds after that rounding is a ValueError."""
    number = value if isinstance(value, decimal.Decimal) else decimal.Decimal(str(value))
    precision, scale = sql_type.precision_scale()
    fixed = exact_decimal(number, scale, sql_type)
    if not fixed.is_finite() or len(fixed.as_tuple().digits) > precision:
        raise ValueError(
            f"more than {precision} digits after rounding to {scale} decimals: "
            f"{sql_type.render()} holds up to {precision - scale} integer digits"
        )
    return fixed


def _guid(value: Any) -> str:
    return str(value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))).upper()


Converter = Callable[[Any], Any]


def arrow_field(attribute: Attribute) -> tuple[pa.DataType, Converter]:
    """The Arrow type of a column and the function that makes a driver value exact in it."""
    sql_type = parse_sql_type(attribute.sql_type)
    info = sql_type.info
    if info.arrow == "decimal":
        return pa.decimal128(*sql_type.precision_scale()), lambda v: _decimal(v, sql_type)
    if info.arrow == "string" and info.family in _STRING_CONVERTERS:
        return pa.string(), _STRING_CONVERTERS[info.family]
    return _ARROW[info.arrow]


# Arrow type of the type table's `arrow` fact → (Arrow type, converter of a driver value).
_ARROW: dict[Arrow, tuple[pa.DataType, Converter]] = {
    "int64": (pa.int64(), int),
    "float64": (pa.float64(), float),
    "bool": (pa.bool_(), lambda v: bool(int(v))),
    "string": (pa.string(), str),
    "binary": (pa.binary(), bytes),
}
# Strings that are not plain text: GUIDs upper case, dates/times as ISO 8601 with 7 digits.
_STRING_CONVERTERS: dict[str, Converter] = {
    "guid": _guid,
    "date": lambda v: _text_time(v, True, False),
    "time": lambda v: _text_time(v, False, True),
    "datetime": lambda v: _text_time(v, True, True),
}


def exported_attributes(entity: Entity) -> list[Attribute]:
    """Active, stored columns: computed and rowversion columns are never exported."""
    return [
        a
        for a in entity.attributes
        if a.is_active
        and not (a.on_disk is not None and a.on_disk.is_computed)
        and parse_sql_type(a.sql_type).name not in ("rowversion", "timestamp")
    ]


def arrow_schema(entity: Entity) -> pa.Schema:
    attributes = exported_attributes(entity)
    return pa.schema(
        [pa.field(a.physical_name, arrow_field(a)[0]) for a in attributes],
        metadata={
            "osddl.schemaVersion": SNAPSHOT_VERSION,
            **{f"osddl.sqlType.{a.physical_name}": a.sql_type for a in attributes},
        },
    )


@dataclass(frozen=True)
class _Table:
    """What reading one table needs: its columns, their snapshot types and the key columns."""

    entity: Entity
    attributes: list[Attribute]
    sql_types: list[SqlType]
    arrow: pa.Schema
    converters: list[Converter]
    keys: list[str]

    @classmethod
    def of(cls, entity: Entity) -> _Table:
        attributes = exported_attributes(entity)
        keys = [a.physical_name for a in entity.attributes if a.is_identifier] or [
            a.physical_name for a in attributes
        ]
        return cls(
            entity,
            attributes,
            [parse_sql_type(a.sql_type) for a in attributes],
            arrow_schema(entity),
            [arrow_field(a)[1] for a in attributes],
            keys,
        )

    def unfit(
        self, position: int, values: Sequence[Any], rows: Sequence[Sequence[Any]]
    ) -> InputError | None:
        """One clear error for the first value of the column that has no snapshot value."""
        field = self.arrow.field(position)
        for index, value in enumerate(values):
            try:
                pa.array([None if value is None else self.converters[position](value)], field.type)
            except (ValueError, ArithmeticError, TypeError) as error:
                names = self.names
                key = ", ".join(
                    f"{k}={rows[names.index(k)][index]!r}" for k in self.keys if k in names
                )
                return InputError(
                    f"snapshot {self.entity.schema}.{self.entity.physical_name}: column "
                    f"{field.name} ({self.sql_types[position].render()}), row {key}: "
                    f"{reprlib.repr(value)} does not fit ({_reason(error)}); fix the source row, "
                    "or give the attribute a type that holds it (the policy's value-fit findings "
                    "list such values)"
                )
        return None

    @property
    def names(self) -> list[str]:
        return [a.physical_name for a in self.attributes]

    def fetch_rows(self, batch_rows: int) -> int:
        """Rows to read from the source at a time (fewer for a table with a binary column)."""
        binary = any(t.info.family == "binary" for t in self.sql_types)
        return min(batch_rows, BINARY_FETCH_ROWS) if binary else batch_rows


def _reason(error: BaseException) -> str:
    text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return text if len(text) < 200 else text[:200] + "..."


def _exact_column(table: _Table, position: int, values: Sequence[Any]) -> pa.Array:
    convert, target = table.converters[position], table.arrow.field(position).type
    array = pa.array([None if v is None else convert(v) for v in values], type=target)
    if isinstance(array, pa.ChunkedArray):  # past the 2 GiB one array of text or bytes holds
        raise _too_large(table, position, len(values))
    return array


def _too_large(table: _Table, position: int, rows: int) -> InputError:
    entity, column = table.entity, table.names[position]
    return InputError(
        f"snapshot {entity.schema}.{entity.physical_name}: column {column}: {rows:,} rows "
        "(data.fetch_rows) hold more than the 2 GiB one batch of a column can; set "
        f"data.fetch_rows lower (OSDDL_DATA_FETCH_ROWS={max(1, rows // 8)}, say) so that many "
        "of the table's largest rows stay well under 2 GiB (memory follows it too)"
    )


def _columnar(table: _Table, position: int, values: pa.Array) -> pa.Array:
    field = table.arrow.field(position)
    return to_snapshot(values, table.sql_types[position], field.type, table.converters[position])


def _converted(
    table: _Table, columns: Sequence[Sequence[Any]] | Sequence[pa.Array]
) -> pa.RecordBatch:
    """One fetched batch in the snapshot's types; a value without one is an InputError."""
    arrays = []
    for position, values in enumerate(columns):
        try:
            if isinstance(values, pa.Array):
                arrays.append(_columnar(table, position, values))
            else:
                arrays.append(_exact_column(table, position, values))
        except (ValueError, ArithmeticError, TypeError) as error:
            rows = [c.to_pylist() if isinstance(c, pa.Array) else c for c in columns]
            raise table.unfit(position, rows[position], rows) or error from None
    return pa.RecordBatch.from_arrays(arrays, schema=table.arrow)


def _reference_batches(engine: Engine, table: _Table, batch_rows: int) -> Iterator[pa.RecordBatch]:
    """SQLAlchemy rows, every value through its converter: the reference path."""
    default = DEFAULT_SCHEMA.get(engine.dialect.name) or engine.dialect.default_schema_name
    entity = table.entity
    schema = default if entity.schema.casefold() == "dbo" else entity.schema
    source = sa.table(entity.physical_name, *(sa.column(n) for n in table.names), schema=schema)
    query = sa.select(*(source.c[n] for n in table.names)).order_by(
        *(source.c[k] for k in table.keys)
    )
    where = qualified(entity.schema, entity.physical_name)
    fetch = table.fetch_rows(batch_rows)
    with source_errors(engine), grant_errors(engine.url, where), engine.connect() as connection:
        result = connection.execution_options(stream_results=True, yield_per=fetch).execute(query)
        converted = (
            _converted(table, list(zip(*rows, strict=True))) for rows in result.partitions(fetch)
        )
        yield from exact_batches(converted, batch_rows, table.arrow, SNAPSHOT_BATCH_BYTES)


def _arrow_batches(engine: Engine, table: _Table, batch_rows: int) -> Iterator[pa.RecordBatch]:
    """The Arrow reader (ADBC, else the DBAPI cursor for `DBAPI_DIALECTS`) with whole-column
    conversion, in batches of exactly `batch_rows` rows like the reference (Parquet row groups
    follow them); FastPathRefused when it cannot."""
    default = DEFAULT_SCHEMA.get(engine.dialect.name) or "main"
    entity = table.entity
    schema = default if entity.schema.casefold() == "dbo" else entity.schema
    columns = list(zip(table.names, table.sql_types, strict=True))
    select = query(engine.dialect.name, schema, entity.physical_name, columns, table.keys)
    fetch = table.fetch_rows(batch_rows)
    fetched = adbc_batches(engine, select, fetch)
    if fetched is None and engine.dialect.name in DBAPI_DIALECTS:
        fetched = dbapi_batches(engine, select, columns, fetch)
    if fetched is None:
        raise FastPathRefused("no Arrow reader for this source")
    converted = (_converted(table, batch.columns) for batch in prefetch(fetched))
    yield from exact_batches(converted, batch_rows, table.arrow, SNAPSHOT_BATCH_BYTES)


Consumer = Callable[[Iterator[pa.RecordBatch]], None]


def _write(
    path: str | Path, table: _Table, batches: Iterator[pa.RecordBatch], consume: Consumer | None
) -> int:
    """Write `batches` to Parquet and hand each to `consume`, both on background threads."""
    rows = 0
    entity = table.entity
    progress = Progress(f"snapshot:{entity.schema}.{entity.physical_name}", "rows")
    with (
        progress,
        pq.ParquetWriter(
            path,
            table.arrow,
            compression="zstd",
            use_dictionary=False,
            write_statistics=False,
            version="2.6",
        ) as writer,
        feeding(each(writer.write_batch)) as write,
        feeding(consume) if consume else nullcontext(_ignore) as hand,
    ):
        for batch in batches:
            write(batch)
            hand(batch)
            rows += batch.num_rows
            progress.advance(batch.num_rows)
    return rows


def _ignore(batch: pa.RecordBatch) -> None:
    pass


def write_snapshot(
    engine: Engine,
    entity: Entity,
    path: Path,
    batch_rows: int = 50_000,
    arrow: bool = True,
    consume: Consumer | None = None,
) -> int:
    """Stream the table into Parquet (temp file + rename); returns the row count. The Arrow reader
    is tried first (`arrow`); when it refuses the table, the reference path writes it again.
    `consume` sees each batch as it is written (the one-pass export renders it), and is called
    again from the start when the reference path takes over."""
    use_export_pool()
    table = _Table.of(entity)
    tmp = temp_file_for(path)
    try:
        try:
            if not arrow:
                raise FastPathRefused("reference path chosen")
            rows = _write(tmp, table, _arrow_batches(engine, table, batch_rows), consume)
        except FastPathRefused:
            rows = _write(tmp, table, _reference_batches(engine, table, batch_rows), consume)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return rows


def read_rows(path: Path) -> tuple[list[str], list[dict[str, Any]]]:
    """Column names and rows (as Python values) of a small snapshot (static entities)."""
    table = pq.read_table(path)
    return table.column_names, table.to_pylist()


def sql_types(path: Path) -> dict[str, SqlType]:
    metadata = pq.read_schema(path).metadata or {}
    prefix = b"osddl.sqlType."
    return {
        k[len(prefix) :].decode(): parse_sql_type(v.decode())
        for k, v in metadata.items()
        if k.startswith(prefix)
    }

"""Snapshots: a table read in primary-key order, streamed into Parquet, values exact.

Every value is normalised by its SQL Server type family into an Arrow type that holds it exactly:
integers, booleans, decimal128(p, s), float64, binary, and strings for text, GUIDs (upper case) and
dates/times (ISO 8601 with 7 fractional digits; drivers disagree on temporal types, text does not).
"""

from __future__ import annotations

import datetime as dt
import decimal
import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from osddl.io import temp_file_for
from osddl.model.contract import Attribute, Entity
from osddl.model.sqltype import SqlType, parse_sql_type
from osddl.source.engine import DEFAULT_SCHEMA, source_errors
from osddl.tsql.types import Arrow
from osddl.tsql.write import exact_decimal

SNAPSHOT_VERSION = "osddl.snapshot/1"
STATIC_INDEX_VERSION = "osddl.static-data/1"  # data/static-data.json


def _fraction(value: dt.datetime | dt.time) -> str:
    return f"{value.microsecond:06d}0"


def _text_time(value: Any, date_part: bool, time_part: bool) -> str:
    """Temporal values (objects or driver text) as `YYYY-MM-DDThh:mm:ss.fffffff` pieces."""
    if isinstance(value, dt.datetime):
        text = value.strftime("%Y-%m-%dT%H:%M:%S.") + _fraction(value)
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
    """At the column's scale, rounded as SQL Server rounds into the type (the type table)."""
    number = value if isinstance(value, decimal.Decimal) else decimal.Decimal(str(value))
    return exact_decimal(number, sql_type.precision_scale()[1], sql_type)


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


def _batches(engine: Engine, entity: Entity, batch_rows: int) -> Iterator[pa.RecordBatch]:
    attributes = exported_attributes(entity)
    default = DEFAULT_SCHEMA.get(engine.dialect.name) or engine.dialect.default_schema_name
    schema = default if entity.schema.casefold() == "dbo" else entity.schema
    table = sa.table(
        entity.physical_name, *(sa.column(a.physical_name) for a in attributes), schema=schema
    )
    keys = [a.physical_name for a in entity.attributes if a.is_identifier] or [
        a.physical_name for a in attributes
    ]
    query = sa.select(*(table.c[a.physical_name] for a in attributes)).order_by(
        *(table.c[k] for k in keys)
    )
    converters = [arrow_field(a)[1] for a in attributes]
    arrow = arrow_schema(entity)
    with source_errors(engine), engine.connect() as connection:
        result = connection.execution_options(stream_results=True, yield_per=batch_rows).execute(
            query
        )
        for rows in result.partitions(batch_rows):
            columns = list(zip(*rows, strict=True)) if rows else [() for _ in attributes]
            arrays = [
                pa.array([None if v is None else c(v) for v in col], type=f.type)
                for col, c, f in zip(columns, converters, arrow, strict=True)
            ]
            yield pa.RecordBatch.from_arrays(arrays, schema=arrow)


def write_snapshot(engine: Engine, entity: Entity, path: Path, batch_rows: int = 50_000) -> int:
    """Stream the table into Parquet (temp file + rename); returns the row count."""
    tmp = temp_file_for(path)
    rows = 0
    try:
        with pq.ParquetWriter(
            tmp,
            arrow_schema(entity),
            compression="zstd",
            use_dictionary=False,
            write_statistics=False,
            version="2.6",
        ) as writer:
            for batch in _batches(engine, entity, batch_rows):
                writer.write_batch(batch)
                rows += batch.num_rows
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

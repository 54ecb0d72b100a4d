"""DynamicData INSERT scripts, rendered from a snapshot (never from the database).

Rows stream from Parquet in primary-key order; each Arrow batch is rendered column by column into
literals (`osddl.tsql.literal`), then joined into row tuples: no template loop per value. Deferred
columns (cycle breaking) and forward self-references are written as NULL and collected as UPDATEs.
"""

from __future__ import annotations

import decimal
import os
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import pyarrow as pa
import pyarrow.parquet as pq

from osddl.io import temp_file_for
from osddl.model.sqltype import SqlType
from osddl.templating import render
from osddl.tsql import literal, qualified, quote
from osddl.tsql.types import INTEGER_RANGES, KINDS

MAX_BATCH_ROWS = 1000  # SQL Server's limit for one row constructor


@dataclass(frozen=True)
class Column:
    physical: str
    emitted: str
    sql_type: SqlType


@dataclass
class TableLoad:
    """What rendering one table needs: names, columns, keys, and which values wait for later."""

    module: str
    entity: str
    schema: str
    physical: str
    emitted: str
    columns: list[Column]
    keys: list[str]  # physical key columns
    identity: bool
    deferred: set[str] = field(default_factory=set)  # physical columns broken out of a cycle
    self_references: set[str] = field(default_factory=set)  # physical columns → own key
    # physical column → its values rewritten before rendering (QA user ids → UAT user ids)
    mapped: dict[str, Callable[[pa.Array], pa.Array]] = field(default_factory=dict)

    @property
    def table(self) -> str:
        return qualified(self.schema, self.emitted)


Renderer = Callable[[Any], str]


# Fast paths for values already normalised by the snapshot; anything else goes through
# `osddl.tsql.literal`, the reference renderer (the round-trip tests cover both).
_PLAIN_TEXT = re.compile(r"[^\x00-\x1f\x85\u2028\u2029\ud800-\udfff$]*")
_ISO = {
    "date": re.compile(r"\d{4}-\d{2}-\d{2}"),
    "time": re.compile(r"\d{2}:\d{2}:\d{2}\.\d{7}"),
    "datetime2": re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{7}"),
    "datetime": re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{7}"),
}
_WIDTH = {"datetime": 23}  # milliseconds: truncated, as SQL Server's datetime holds them


def _integer_renderer(sql_type: SqlType) -> Renderer:
    """Plain ints in the type's range; anything else (and the refusal) is `literal`'s."""
    low, high = INTEGER_RANGES[sql_type.name]

    def render(value: Any) -> str:
        if type(value) is int and low <= value <= high:
            return str(value)
        return literal(value, sql_type)

    return render


def _text_renderer(sql_type: SqlType) -> Renderer:
    prefix = "N'" if sql_type.info.unicode else "'"

    def render(value: Any) -> str:
        if isinstance(value, str) and _PLAIN_TEXT.fullmatch(value):
            return prefix + value.replace("'", "''") + "'"
        return literal(value, sql_type)

    return render


def _temporal_renderer(sql_type: SqlType) -> Renderer:
    pattern, width = _ISO[sql_type.name], _WIDTH.get(sql_type.name)

    def render(value: Any) -> str:
        if (
            isinstance(value, str)
            and pattern.fullmatch(value)
            and (sql_type.name != "time" or (sql_type.scale or 7) == 7)
        ):
            return "'" + value[:width] + "'"
        return literal(value, sql_type)

    return render


def _decimal_renderer(sql_type: SqlType) -> Renderer:
    precision, scale = sql_type.precision_scale()

    def render(value: Any) -> str:
        if isinstance(value, decimal.Decimal) and value:
            shape = value.as_tuple()
            if shape.exponent == -scale and len(shape.digits) <= precision:
                return format(value, "f")
        return literal(value, sql_type)

    return render


def _renderer(sql_type: SqlType) -> Renderer:
    """The literal renderer of a column, built once per column."""
    name, kind = sql_type.name, KINDS.get(sql_type.name)
    if kind == "integer":
        fast = _integer_renderer(sql_type)
    elif kind == "bit":
        fast = lambda v: "1" if v else "0"  # noqa: E731
    elif kind in ("ansi", "unicode"):
        fast = _text_renderer(sql_type)
    elif name in _ISO and (name != "datetime2" or (sql_type.scale or 7) == 7):
        fast = _temporal_renderer(sql_type)
    elif name in ("decimal", "numeric"):
        fast = _decimal_renderer(sql_type)
    else:
        return lambda v: literal(v, sql_type)
    return lambda v: "NULL" if v is None else fast(v)


@dataclass
class _Deferred:
    """UPDATE statements for values that could not be inserted yet."""

    load: TableLoad
    statements: list[str] = field(default_factory=list)

    def add(self, column: Column, value: str, key: list[str]) -> None:
        where = " AND ".join(
            f"{quote(self._emitted(k))} = {v}" for k, v in zip(self.load.keys, key, strict=True)
        )
        self.statements.append(
            f"UPDATE {self.load.table} SET {quote(column.emitted)} = {value} WHERE {where};"
        )

    def _emitted(self, physical: str) -> str:
        return next(c.emitted for c in self.load.columns if c.physical == physical)


def _rows(
    load: TableLoad, batch: dict[str, list[Any]], seen: set[Any], deferred: _Deferred
) -> Iterator[str]:
    """Row tuples of one Arrow batch, rendered column-wise."""
    rendered = {
        c.physical: list(map(_renderer(c.sql_type), batch[c.physical])) for c in load.columns
    }
    keys = [batch[k] for k in load.keys]
    for index in range(len(next(iter(batch.values()), []))):
        key_raw = tuple(values[index] for values in keys)
        key = [rendered[k][index] for k in load.keys]
        if load.self_references:  # only self-references need the keys seen so far
            seen.add(key_raw[0] if len(key_raw) == 1 else key_raw)
        cells = []
        for column in load.columns:
            value = rendered[column.physical][index]
            raw = batch[column.physical][index]
            late = column.physical in load.deferred or (
                column.physical in load.self_references and raw is not None and raw not in seen
            )
            if late and value != "NULL":
                deferred.add(column, value, key)
                value = "NULL"
            cells.append(value)
        yield "    (" + ", ".join(cells) + ")"


def _batches(
    snapshot: Path, load: TableLoad, batch_rows: int, deferred: _Deferred
) -> Iterator[list[str]]:
    seen: set[Any] = set()
    parquet = pq.ParquetFile(snapshot)
    for batch in parquet.iter_batches(
        batch_size=batch_rows, columns=[c.physical for c in load.columns]
    ):
        yield list(_rows(load, _mapped(load, batch).to_pydict(), seen, deferred))


def _mapped(load: TableLoad, batch: pa.RecordBatch) -> pa.RecordBatch:
    """The batch with the mapped columns rewritten, whole columns at a time."""
    if not load.mapped:
        return batch
    names = batch.schema.names
    columns = [
        load.mapped[name](column) if name in load.mapped else column
        for name, column in zip(names, batch.columns, strict=True)
    ]
    return pa.RecordBatch.from_arrays(columns, names=names)


def write_text_chunks(path: Path, chunks: Iterable[str]) -> None:
    """Stream text chunks to a temp file in the target folder, then rename."""
    tmp = temp_file_for(path)
    try:
        with open(tmp, "w", encoding="utf-8", newline="\n") as handle:
            _write_all(handle, chunks)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _write_all(handle: TextIO, chunks: Iterable[str]) -> None:
    for chunk in chunks:
        handle.write(chunk)


def render_table(
    load: TableLoad, snapshot: Path, target: Path, fragment: Path, batch_rows: int = MAX_BATCH_ROWS
) -> int:
    """Write the table's DynamicData file and its deferred-update fragment; returns rows."""
    batch_rows = max(1, min(batch_rows, MAX_BATCH_ROWS))
    rows = int(pq.read_metadata(snapshot).num_rows)
    deferred = _Deferred(load)
    columns = ", ".join(quote(c.emitted) for c in load.columns)

    def chunks() -> Iterator[str]:
        yield render("data/header.sql.j2", load=load, rows=rows, table=load.table)
        for tuples in _batches(snapshot, load, batch_rows, deferred):
            yield render(
                "data/batch.sql.j2", table=load.table, columns=columns, tuples=",\n".join(tuples)
            )
        yield render("data/footer.sql.j2", load=load, table=load.table)

    write_text_chunks(target, chunks())
    write_text_chunks(fragment, (s + "\n" for s in deferred.statements))
    return rows

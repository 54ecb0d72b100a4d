"""DynamicData INSERT scripts, rendered from a snapshot (never from the database).

Rows stream from Parquet in primary-key order; each Arrow batch is rendered column by column into
literals (`osddl.tsql.literal`), then joined into row tuples: no template loop per value. Deferred
columns (cycle breaking) and forward self-references are written as NULL and collected as UPDATEs.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import pyarrow.parquet as pq

from osddl.io import temp_file_for
from osddl.model.sqltype import SqlType
from osddl.ssdt.render import render
from osddl.tsql import literal, qualified, quote

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

    @property
    def table(self) -> str:
        return qualified(self.schema, self.emitted)


Renderer = Callable[[Any], str]


def _renderer(sql_type: SqlType) -> Renderer:
    """The literal renderer of a column, with a fast path for integers."""
    if sql_type.name in ("int", "bigint", "smallint", "tinyint"):
        return lambda v: "NULL" if v is None else str(int(v))
    return lambda v: literal(v, sql_type)


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
        c.physical: [_renderer(c.sql_type)(v) for v in batch[c.physical]] for c in load.columns
    }
    keys = [batch[k] for k in load.keys]
    for index in range(len(next(iter(batch.values()), []))):
        key_raw = tuple(values[index] for values in keys)
        key = [rendered[k][index] for k in load.keys]
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
        yield list(_rows(load, batch.to_pydict(), seen, deferred))


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

"""Orphan discovery, step one: the distinct user ids of every catalogued column, with row counts,
read from the Parquet snapshots (never from the database).

Streaming: a table's snapshot is read once, only its catalogued columns, in record batches;
each batch is canonicalised and reduced with `pyarrow.compute.value_counts`, and the partial
counts are merged by Arrow (group-by sum), so memory follows the distinct ids, not the rows, and
no Python object is made per id until a report asks for one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from osddl.io import sha256_file
from osddl.model.sqltype import parse_sql_type
from osddl.uat_users.catalog import Catalog, CatalogColumn
from osddl.uat_users.ids import KIND_NAMES, IdKind, UserId, column_holds, sort_key
from osddl.uat_users.messages import Finding, finding

BATCH_ROWS: Final = 65_536
FLUSH_BYTES: Final = 16 << 20  # raw values buffered per column before they are counted
MERGE_EVERY: Final = 16  # partial counts merged after this many flushes (bounds memory)


@dataclass(frozen=True, eq=False)
class ColumnIds:
    """One catalogued column's distinct non-NULL ids (canonical, sorted) with their rows, held
    as Arrow arrays: a million distinct ids per column stay compact."""

    column: CatalogColumn
    rows: int  # rows in the snapshot
    nulls: int
    ids: pa.Array  # in no particular order: sorted only when a report reads them
    id_rows: pa.Array  # int64, rows per id, aligned with `ids`

    @property
    def counts(self) -> tuple[tuple[UserId, int], ...]:
        """(id, rows) pairs as Python values, sorted by id."""
        order = pc.sort_indices(self.ids)
        return tuple(
            zip(
                self.ids.take(order).to_pylist(),
                self.id_rows.take(order).to_pylist(),
                strict=True,
            )
        )

    def table(self) -> pa.Table:
        return pa.table({"id": self.ids, "rows": self.id_rows})


def column_ids(
    column: CatalogColumn, pairs: Iterable[tuple[UserId, int]], rows: int, nulls: int
) -> ColumnIds:
    """A `ColumnIds` from Python pairs (tests, callers that counted already)."""
    ordered = sorted(pairs, key=lambda pair: sort_key(pair[0]))
    ids = pa.array([i for i, _ in ordered])
    return ColumnIds(column, rows, nulls, ids, pa.array([n for _, n in ordered], pa.int64()))


@dataclass(frozen=True)
class Snapshot:
    table: str  # schema.table
    file: str  # as the caller named it
    sha256: str


@dataclass(frozen=True)
class Scan:
    columns: tuple[ColumnIds, ...]  # catalog order
    snapshots: tuple[Snapshot, ...]  # sorted by table
    findings: tuple[Finding, ...]


def canonical_array(array: pa.Array, kind: IdKind) -> pa.Array:
    """Snapshot values in the kind's canonical form, vectorised: integers as int64, GUIDs upper
    case and trimmed, text as it is."""
    if kind == "int":
        return pc.cast(array, pa.int64())
    text = array if pa.types.is_string(array.type) else pc.cast(array, pa.string())
    return pc.utf8_upper(pc.utf8_trim_whitespace(text)) if kind == "guid" else text


class _Counter:
    """Counts of one column: raw batches are buffered up to `FLUSH_BYTES`, then reduced with
    `value_counts`; partial counts are merged by Arrow (group-by sum). A column that fits in the
    buffer is counted in one pass, with no merge; never a Python value per row."""

    def __init__(self, kind: IdKind) -> None:
        self.kind = kind
        self.buffer: list[pa.Array] = []
        self.buffered = 0
        self.parts: list[pa.Table] = []
        self.rows = 0
        self.nulls = 0

    def add(self, array: pa.Array) -> None:
        self.rows += len(array)
        self.nulls += array.null_count
        values = pc.drop_null(array) if array.null_count else array
        if len(values):
            self.buffer.append(canonical_array(values, self.kind))
            self.buffered += self.buffer[-1].nbytes
        if self.buffered >= FLUSH_BYTES:
            self._flush()

    def _flush(self) -> None:
        if self.buffer:
            counts = pc.value_counts(pa.chunked_array(self.buffer))
            self.parts.append(
                pa.table({"id": counts.field("values"), "rows": counts.field("counts")})
            )
            self.buffer, self.buffered = [], 0
        if len(self.parts) >= MERGE_EVERY:
            self.parts = [self._merged()]

    def _merged(self) -> pa.Table:
        if len(self.parts) == 1:
            return self.parts[0]
        table = pa.concat_tables(self.parts)
        return (
            table.group_by("id", use_threads=False)
            .aggregate([("rows", "sum")])
            .rename_columns(["id", "rows"])
        )

    def result(self, column: CatalogColumn) -> ColumnIds:
        self._flush()
        if not self.parts:
            empty = pa.array([], pa.int64() if self.kind == "int" else pa.string())
            return ColumnIds(column, self.rows, self.nulls, empty, pa.array([], pa.int64()))
        merged = self._merged()
        return ColumnIds(
            column,
            self.rows,
            self.nulls,
            merged.column("id").combine_chunks(),
            merged.column("rows").combine_chunks(),
        )


def count_ids(
    path: Path, columns: Sequence[CatalogColumn], kind: IdKind, batch_rows: int = BATCH_ROWS
) -> list[ColumnIds]:
    """Distinct ids per column of one snapshot; `columns` must exist in the file."""
    reader = pq.ParquetFile(path)
    names = {name.casefold(): name for name in reader.schema_arrow.names}
    physical = [names[c.column.casefold()] for c in columns]
    counters = [_Counter(kind) for _ in columns]
    for batch in reader.iter_batches(batch_size=batch_rows, columns=physical):
        for counter, name in zip(counters, physical, strict=True):
            counter.add(batch.column(name))
    return [counter.result(column) for column, counter in zip(columns, counters, strict=True)]


def scan_snapshots(
    catalog: Catalog,
    snapshots: Mapping[str, Path],
    kind: IdKind,
    labels: Mapping[str, str] | None = None,
    batch_rows: int = BATCH_ROWS,
) -> Scan:
    """Count the ids of every catalogued column; `snapshots` maps `schema.table` (any case) to
    its Parquet file, `labels` the same keys to the file name shown in reports (default: the
    path). Missing files or columns, and columns that cannot hold the kind, are findings."""
    files = {key.casefold(): path for key, path in snapshots.items()}
    shown = {key.casefold(): text for key, text in (labels or {}).items()}
    results: list[ColumnIds] = []
    read: list[Snapshot] = []
    findings: list[Finding] = []
    for table_id, columns in catalog.by_table().items():
        path = files.get(table_id.casefold())
        label = shown.get(table_id.casefold()) or (path.as_posix() if path else table_id)
        if path is None or not path.is_file():
            findings.append(finding("snapshot-missing", label, table=table_id))
            continue
        usable, problems = _usable(path, label, table_id, columns, kind)
        findings += problems
        read.append(Snapshot(table_id, label, sha256_file(path)))
        if usable:
            results += count_ids(path, usable, kind, batch_rows)
    order = {c.key: k for k, c in enumerate(catalog.columns)}
    return Scan(
        tuple(sorted(results, key=lambda r: order[r.column.key])),
        tuple(sorted(read, key=lambda s: s.table.casefold())),
        tuple(findings),
    )


def _usable(
    path: Path, label: str, table_id: str, columns: Sequence[CatalogColumn], kind: IdKind
) -> tuple[list[CatalogColumn], list[Finding]]:
    present = {name.casefold() for name in pq.read_schema(path).names}
    usable: list[CatalogColumn] = []
    findings: list[Finding] = []
    for column in columns:
        sql_type = parse_sql_type(column.sql_type).name
        if column.column.casefold() not in present:
            findings.append(
                finding("snapshot-column-missing", label, column=column.column, table=table_id)
            )
        elif not column_holds(kind, sql_type):
            findings.append(
                finding(
                    "column-kind-mismatch",
                    label,
                    column=column.column,
                    table=table_id,
                    sql_type=sql_type,
                    kind_name=KIND_NAMES[kind],
                )
            )
        else:
            usable.append(column)
    return usable, findings

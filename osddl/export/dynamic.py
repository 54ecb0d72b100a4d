"""DynamicData INSERT scripts, rendered from a snapshot (never from the database).

Rows stream from Parquet in primary-key order, one batch of at most 1,000 rows at a time (memory is
bounded by the batch, not the table). Each batch is rendered whole columns at a time by
`osddl.export.columnar.render` (pyarrow.compute kernels, byte-identical to `osddl.tsql.literal`,
which renders every value the kernels do not cover), joined into row tuples by one Arrow join, and
written as bytes between the batch template's head and tail. Deferred columns (cycle breaking) and
forward self-references are written as NULL and collected as UPDATEs.
"""

from __future__ import annotations

import bisect
import shutil
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from osddl.export import columnar
from osddl.export.memory import use_export_pool
from osddl.io import atomic_file
from osddl.model.sqltype import SqlType
from osddl.progress import Progress
from osddl.templating import render
from osddl.tsql import literal, qualified, quote
from osddl.tsql.types import SQL_SERVER_BATCH_BYTES

MAX_BATCH_ROWS = 1000  # SQL Server's limit for one row constructor
# Bytes (UTF-8) of an INSERT batch's row tuples: a batch ends before a row would pass them. SQL
# Server refuses a batch longer than `SQL_SERVER_BATCH_BYTES` (256 MiB of UTF-16); 32 MiB of UTF-8
# is at most 64 MiB of UTF-16, a quarter of that. Only rows of more than 32 KiB on average make
# batches of fewer than 1,000 rows.
MAX_BATCH_BYTES = SQL_SERVER_BATCH_BYTES // 8
COPY_CHUNK = 1 << 20  # bytes per read when a rendered body is copied into the script
# INSERT batches rendered together: memory holds at most this many batches of rows; 50 batches of
# 1,000 rows are one snapshot batch at the default `data.fetch_rows` (50,000), so the one pass
# renders each fetched batch as it comes, without joining or cutting it (about 7% less CPU than
# runs of 16 batches, which paid every kernel's fixed cost three times as often).
RUN_BATCHES = 50
# Bytes of snapshot values rendered together, so that a run of wide rows (files in Binary Data
# attributes) holds about this much, its rendered text about twice as much, never Arrow's 2 GiB.
RUN_BYTES = 32 * 2**20


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
    # the batch as the remediation ledger changes it (osddl.export.remediation), before mapping
    remediate: Callable[[pa.RecordBatch], pa.RecordBatch] | None = None

    @property
    def table(self) -> str:
        return qualified(self.schema, self.emitted)


def _renderer(sql_type: SqlType) -> Callable[[Any], str]:
    """One value through the column kernels (tests compare it with `literal` value by value);
    a value no Arrow array holds (an integer past int64) is `literal`'s."""

    def one(value: Any) -> str:
        try:
            array = pa.array([value])
        except (pa.ArrowException, OverflowError, TypeError):
            return literal(value, sql_type)
        return str(columnar.render(array, sql_type)[0])

    return one


_NULL = pa.scalar("NULL", pa.string())
_TUPLES = "\x00tuples\x00"  # where the batch template puts the row tuples


@dataclass
class _Deferred:
    """UPDATE statements for values that could not be inserted yet."""

    load: TableLoad
    statements: list[str] = field(default_factory=list)

    def add(self, late: dict[int, pa.Array], rendered: list[pa.Array]) -> None:
        """The statements of one batch's late cells (column position → mask), row by row."""
        names = [c.physical for c in self.load.columns]
        keys = [rendered[names.index(k)] for k in self.load.keys]
        found: list[tuple[int, int, str]] = []
        for position, mask in late.items():
            column = self.load.columns[position]
            where: list[pa.Array | pa.Scalar] = [] if keys else [_text(" WHERE ")]
            for index, (name, key) in enumerate(zip(self.load.keys, keys, strict=True)):
                lead = " WHERE " if index == 0 else " AND "
                where += [_text(f"{lead}{quote(self._emitted(name))} = "), pc.filter(key, mask)]
            texts = pc.binary_join_element_wise(
                _text(f"UPDATE {self.load.table} SET {quote(column.emitted)} = "),
                pc.filter(rendered[position], mask),
                *where,
                _text(";"),
                _text(""),
            )
            rows = pc.indices_nonzero(mask).to_pylist()
            found += zip(rows, [position] * len(rows), texts.to_pylist(), strict=True)
        self.statements += [text for _, _, text in sorted(found)]

    def _emitted(self, physical: str) -> str:
        return next(c.emitted for c in self.load.columns if c.physical == physical)


def _text(value: str) -> pa.Scalar:
    return pa.scalar(value, pa.string())


def _forward(load: TableLoad, batch: pa.RecordBatch, name: str, seen: set[Any]) -> pa.Array:
    """Rows whose self-reference points at a key not seen yet (this row's own key counts):
    positions in the batch by `index_in`, earlier batches by the set of their keys."""
    values = batch.column(name)
    valid = pc.is_valid(values)
    if len(load.keys) != 1:  # a value never equals a composite key
        return valid
    keys = batch.column(load.keys[0])
    try:
        found = pc.index_in(values.cast(keys.type), value_set=keys)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        found = pa.nulls(len(values), pa.int32())
    row = pa.array(range(len(values)), pa.int64())
    earlier = pc.fill_null(pc.less_equal(found.cast(pa.int64()), row), False)
    unsure = pc.and_(valid, pc.invert(earlier))
    late = [v not in seen for v in pc.filter(values, unsure).to_pylist()]
    return pc.replace_with_mask(unsure, unsure, pa.array(late, pa.bool_()))


def _rows(load: TableLoad, batch: pa.RecordBatch, seen: set[Any], deferred: _Deferred) -> pa.Array:
    """The row tuples of a run of rows, `    (v1, v2),\n` each: whole columns, one Arrow join."""
    rendered = [columnar.render(batch.column(c.physical), c.sql_type) for c in load.columns]
    late: dict[int, pa.Array] = {}
    for position, column in enumerate(load.columns):
        if column.physical in load.deferred:
            late[position] = pc.not_equal(rendered[position], _NULL)
        elif column.physical in load.self_references:
            late[position] = _forward(load, batch, column.physical, seen)
    if load.self_references and len(load.keys) == 1:  # only self-references need the keys seen
        seen.update(batch.column(load.keys[0]).to_pylist())
    late = {p: m for p, m in late.items() if pc.any(m).as_py()}
    if late:
        deferred.add(late, rendered)
        for position, mask in late.items():
            rendered[position] = pc.if_else(mask, _NULL, rendered[position])
    cells = pc.binary_join_element_wise(*rendered, _text(", "))
    return pc.binary_join_element_wise(_text("    ("), cells, _text("),\n"), _text(""))


@dataclass
class _Groups:
    """The table's row tuples cut into INSERT batches of at most `size` rows and `budget` bytes
    (a row larger than the budget is a batch of its own), counted from the table's first row
    whatever runs the rows were rendered in: a batch may continue into the next run. A batch is
    its row count and the slices of the runs' buffers that hold its text (no copy)."""

    size: int
    budget: int
    pieces: list[memoryview] = field(default_factory=list)
    rows: int = 0
    bytes: int = 0

    def add(self, tuples: pa.Array) -> Iterator[tuple[int, list[memoryview]]]:
        """The batches these row tuples (`    (...),\n` each) complete."""
        offsets = memoryview(tuples.buffers()[1]).cast("i")[tuples.offset :]
        data = memoryview(tuples.buffers()[2] or b"")
        start, end = 0, len(tuples)
        while start < end:
            stop = min(start + self.size - self.rows, end)
            limit = offsets[start] + self.budget - self.bytes
            if offsets[stop] > limit:  # the budget ends this batch first
                fit = bisect.bisect_right(offsets, limit, start, stop + 1) - 1
                fit = max(fit, start + 1) if self.rows == 0 else fit
                self._keep(data, offsets, start, fit)
                yield self._batch()
                start = fit
                continue
            self._keep(data, offsets, start, stop)
            start = stop
            if self.rows == self.size:
                yield self._batch()

    def rest(self) -> Iterator[tuple[int, list[memoryview]]]:
        """The last, partial batch."""
        if self.rows:
            yield self._batch()

    def _keep(self, data: memoryview, offsets: memoryview, start: int, stop: int) -> None:
        if stop > start:
            self.pieces.append(data[offsets[start] : offsets[stop]])
            self.rows += stop - start
            self.bytes += offsets[stop] - offsets[start]

    def _batch(self) -> tuple[int, list[memoryview]]:
        """The batch held so far, without its last `,\n`."""
        pieces, rows = self.pieces, self.rows
        pieces[-1] = pieces[-1][:-2]
        self.pieces, self.rows, self.bytes = [], 0, 0
        return rows, pieces


def _snapshot_batches(snapshot: Path, load: TableLoad, run: int) -> Iterator[pa.RecordBatch]:
    """The table's columns from its snapshot, read on a background thread, `run` rows at a time
    or fewer where its rows average more than RUN_BYTES / `run` bytes."""
    parquet = pq.ParquetFile(snapshot, pre_buffer=False)  # pre-buffering grows with the file
    names = [c.physical for c in load.columns]
    meta = parquet.metadata
    size = sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups))
    rows = max(1, min(run, RUN_BYTES * meta.num_rows // max(size, 1)))
    return columnar.prefetch(parquet.iter_batches(batch_size=rows, columns=names))


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


def write_text_chunks(path: Path, chunks: Iterable[str | bytes | memoryview]) -> None:
    """Stream text (or UTF-8 bytes) chunks to a temp file in the target folder, then rename."""
    with atomic_file(path) as handle:
        for chunk in chunks:
            handle.write(chunk.encode("utf-8") if isinstance(chunk, str) else chunk)


@dataclass
class Body:
    """A table's INSERT batches (its script between header and footer) and deferred UPDATEs."""

    rows: int = 0
    deferred: list[str] = field(default_factory=list)


def write_body(
    load: TableLoad,
    batches: Iterable[pa.RecordBatch],
    handle: BinaryIO,
    batch_rows: int = MAX_BATCH_ROWS,
    progress: Progress | None = None,
) -> Body:
    """Render snapshot `batches` (in key order; any sizes) as INSERT batches of `batch_rows` rows
    (`_Groups`), RUN_BATCHES batches or RUN_BYTES at a time, into `handle`."""
    deferred, seen = _Deferred(load), set[Any]()
    head, tail = (
        render("data/batch.sql.j2", table=load.table, columns=_column_list(load), tuples=_TUPLES)
        .encode("utf-8")
        .split(_TUPLES.encode("utf-8"))
    )
    run = batch_rows * RUN_BATCHES
    names = [c.physical for c in load.columns]
    body = Body(deferred=deferred.statements)
    groups = _Groups(batch_rows, MAX_BATCH_BYTES)

    def write(found: Iterable[tuple[int, list[memoryview]]]) -> None:
        for count, pieces in found:
            handle.write(head)
            for piece in pieces:
                handle.write(piece)
            handle.write(tail)
            body.rows += count
            if progress is not None:
                progress.advance(count)

    for batch in columnar.bounded_runs((b.select(names) for b in batches), run, RUN_BYTES):
        batch = load.remediate(batch) if load.remediate else batch
        write(groups.add(_rows(load, _mapped(load, batch), seen, deferred)))
    write(groups.rest())
    return body


def _column_list(load: TableLoad) -> str:
    return ", ".join(quote(c.emitted) for c in load.columns)


def render_table(
    load: TableLoad,
    snapshot: Path,
    target: Path,
    fragment: Path,
    batch_rows: int = MAX_BATCH_ROWS,
    rendered: tuple[Path, Path] | None = None,
) -> int:
    """Write the table's DynamicData file and its deferred-update fragment; returns rows.
    `rendered`: the INSERT batches and the fragment already rendered from this snapshot
    (`write_body`, by the one-pass export), copied instead of rendering the snapshot again."""
    use_export_pool()
    rows = int(pq.read_metadata(snapshot).num_rows)
    header = render("data/header.sql.j2", load=load, rows=rows, table=load.table)
    footer = render("data/footer.sql.j2", load=load, table=load.table)
    with Progress(f"dynamic_data:{load.table}", "rows") as progress, atomic_file(target) as handle:
        handle.write(header.encode("utf-8"))
        if rendered is None:
            run = batch_rows * RUN_BATCHES
            batches = _snapshot_batches(snapshot, load, run)
            deferred = write_body(load, batches, handle, batch_rows, progress).deferred
            write_text_chunks(fragment, (s + "\n" for s in deferred))
        else:
            with open(rendered[0], "rb") as body:
                shutil.copyfileobj(body, handle, COPY_CHUNK)
            write_text_chunks(fragment, [rendered[1].read_bytes()])
            progress.advance(rows)
        handle.write(footer.encode("utf-8"))
    return rows

"""Independent uat-users verifier: reads the user ids back from the emitted scripts.

What an operator runs is read (`load.sql`, the data files it includes, `deferred_updates.sql`),
never the renderer's values: the scripts are split and read with the fast reader of the emitted
T-SQL (`osddl.tsql.scan`: GO batches, typed statements, sqlglot for anything outside its subset)
and every literal is read back with `osddl.tsql.scan.read_cell` (the readers of `parse_literal`).
A data file holds one part per table, each opened by the header
`-- osddl DynamicData | ... | source <schema.TABLE> | rows N` (one in a per-table file, one per
table in the single-file `all.dynamic.sql`); only the parts of tables with catalogued columns are
parsed. A deferred UPDATE of a catalogued column gives the row's final value.

Each emitted row is paired with its snapshot row by key. Both come in key order, so the two streams
are walked side by side and only rows out of step wait in memory: a table is never held whole.
The pairs become `(schema.table, column, original, emitted)` rows for `osddl.uat_users.verify`,
which checks them, the UPDATE script and the cross-check; what cannot be read back fails the
rule `inserts-read-back`.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import pyarrow.parquet as pq

from osddl.export.snapshot import exported_attributes
from osddl.model.contract import Attribute, Entity
from osddl.model.sqltype import SqlType, parse_sql_type
from osddl.proofs.order import (
    DEFERRED_SCRIPT,
    LOAD_SCRIPT,
    statements,
)
from osddl.tsql import normalise
from osddl.tsql.read import include_target
from osddl.tsql.scan import (
    Cell,
    Insert,
    Statement,
    Update,
    batches,
    described,
    read_cell,
    script_lines,
    shown,
)
from osddl.uat_users.catalog import Catalog, CatalogColumn
from osddl.uat_users.discovery import ColumnIds
from osddl.uat_users.ids import UserId
from osddl.uat_users.outcome import Outcome
from osddl.uat_users.transform import TransformationMap
from osddl.uat_users.verify import ValueRow, verify

READ: Final = "inserts-read-back"
# The first line of a table's part: the renderer's header names the source table.
PART_HEADER: Final = re.compile(r"^-- osddl DynamicData \|.*\| source (?P<source>[^\s|]+) \|")

Key = tuple[object, ...]
Cells = tuple[object, ...]  # one row's catalogued values, in `UserTable.columns` order


@dataclass(frozen=True)
class Column:
    physical: str
    emitted: str
    sql_type: SqlType


@dataclass(frozen=True)
class UserTable:
    """A table with catalogued columns, as the reader needs it: its names, key and snapshot."""

    table_id: str  # `schema.PHYSICAL`: the header's source, the catalog's and snapshot's name
    schema: str
    emitted: str  # the table's name in the scripts
    snapshot: Path
    keys: tuple[Column, ...]
    columns: tuple[Column, ...]  # the catalogued columns

    @property
    def target(self) -> tuple[str, str]:
        """(schema, emitted name), case-folded: how an INSERT or UPDATE names the table."""
        return (self.schema.casefold(), self.emitted.casefold())


def user_table(entity: Entity, columns: Iterable[CatalogColumn], snapshot: Path) -> UserTable:
    """The reader's view of an exported entity and its catalogued columns. The row key is the
    primary key (composite for a junction table), else the identifier, as the SSDT table has it."""
    attributes = {a.physical_name.casefold(): a for a in exported_attributes(entity)}
    pk = next((i for i in entity.indexes if i.kind == "PK"), None)
    names = (
        [c.column for c in pk.columns if not c.is_included]
        if pk
        else [a.physical_name for a in attributes.values() if a.is_identifier]
    )
    keys = [attributes[n.casefold()] for n in names if n.casefold() in attributes]
    chosen = [attributes[c.column.casefold()] for c in columns if c.column.casefold() in attributes]
    return UserTable(
        table_id=f"{entity.schema}.{entity.physical_name}",
        schema=entity.schema,
        emitted=entity.emitted_name or entity.physical_name,
        snapshot=snapshot,
        keys=tuple(map(_column, keys)),
        columns=tuple(map(_column, chosen)),
    )


def _column(attribute: Attribute) -> Column:
    emitted = attribute.emitted_name or attribute.physical_name
    return Column(attribute.physical_name, emitted, parse_sql_type(attribute.sql_type))


# ---- entry point ------------------------------------------------------------------------------


def verify_uat_users(
    dynamic_dir: Path,
    tables: Sequence[UserTable],
    script_text: str,
    catalog: Catalog,
    tmap: TransformationMap,
    uat_ids: Collection[UserId],
    expected: Sequence[ColumnIds],
) -> dict[str, Any]:
    """`uat-users-verification.json` for the scripts in `dynamic_dir`: the values of `tables`
    read back and paired with their snapshots, `02_apply_user_remap.sql` as `script_text`."""
    read = Outcome()
    read.check(READ)
    rows = value_rows(dynamic_dir, tables, read)
    return verify(rows, script_text, catalog, tmap, uat_ids, expected, read)


def value_rows(dynamic_dir: Path, tables: Sequence[UserTable], read: Outcome) -> Iterator[ValueRow]:
    """`(schema.table, column, original, emitted)` for every catalogued cell, table by table in
    load order; what cannot be read fails `inserts-read-back` in `read`."""
    sink = _Sink(read)
    by_source = {t.table_id.casefold(): t for t in tables}
    includes = _includes(dynamic_dir, sink)
    updates = _deferred(dynamic_dir, {t.target: t for t in tables}, sink)
    done: set[str] = set()
    for include in includes:
        path = dynamic_dir / include
        if include.casefold() == DEFERRED_SCRIPT or not path.is_file():
            continue
        for source, part in _parts(path):
            table = by_source.get(source.casefold()) if source else None
            if table is None:
                continue
            if table.table_id.casefold() in done:
                sink.fail(READ, include, f"{table.table_id}: a second part; each table loads once")
                continue
            done.add(table.table_id.casefold())
            emitted = _emitted(part, table, include, updates.get(table.target, {}), sink)
            yield from _pairs(table, emitted, include, sink)
    for table in tables:
        if table.table_id.casefold() not in done:
            sink.fail(READ, LOAD_SCRIPT, f"{table.table_id}: no INSERT script is included")
    for target, left in updates.items():
        for key in left:
            sink.fail(READ, DEFERRED_SCRIPT, f"{_name(target)}: no INSERT row has key {key!r}")


class _Sink:
    """The order reader's failures (unparsable batches) as `inserts-read-back` failures."""

    def __init__(self, outcome: Outcome) -> None:
        self.outcome = outcome

    def fail(self, kind: str, file: str, detail: str) -> None:
        shown = detail if kind == READ else f"{kind}: {detail}"
        self.outcome.fail(READ, f"{file}: {shown}")


def _name(target: tuple[str, str]) -> str:
    return f"[{target[0]}].[{target[1]}]"


# ---- load.sql and the parts of a data file -----------------------------------------------------


def _includes(dynamic_dir: Path, sink: _Sink) -> list[str]:
    """The `:r` files of load.sql, in order (its shape is the order verifier's concern)."""
    path = dynamic_dir / LOAD_SCRIPT
    if not path.is_file():
        sink.fail(READ, LOAD_SCRIPT, "not found; render DynamicData")
        return []
    found = (include_target(line) for line in script_lines(path))
    return [target for target in found if target is not None]


def _parts(path: Path) -> Iterator[tuple[str | None, Iterator[tuple[int, str]]]]:
    """(source table named by the header, the part's batches) per part of a data file, streamed;
    batches before the first header come with no source."""
    numbered = ((batch.number, batch.text) for batch in batches(path))
    grouped = itertools.groupby(_with_part(numbered), key=lambda tagged: tagged[0])
    for (_, source), group in grouped:
        yield source, (item for _, item in group)


def _with_part(
    items: Iterable[tuple[int, str]],
) -> Iterator[tuple[tuple[int, str | None], tuple[int, str]]]:
    """Each batch with the part it belongs to: (number of the part's first batch, source)."""
    part: tuple[int, str | None] = (0, None)
    for number, text in items:
        header = PART_HEADER.match(text.lstrip("\r\n"))
        if header:
            part = (number, header["source"])
        yield part, (number, text)


# ---- the INSERTs of one part ------------------------------------------------------------------


def _emitted(
    part: Iterable[tuple[int, str]],
    table: UserTable,
    file: str,
    late: dict[Key, dict[int, object]],
    sink: _Sink,
) -> Iterator[tuple[Key, Cells]]:
    """(key, catalogued values) per INSERT row, deferred UPDATEs applied (and used up)."""
    for number, text in part:
        for node in statements(text, file, number, sink):
            for key, cells in _insert_rows(node, table, f"{file} batch {number}", sink):
                updated = late.pop(key, None)
                if updated:
                    cells = tuple(updated.get(i, cell) for i, cell in enumerate(cells))
                yield key, cells


def _insert_rows(
    node: Statement, table: UserTable, where: str, sink: _Sink
) -> Iterator[tuple[Key, Cells]]:
    if not isinstance(node, Insert):
        shown_sql = described(node)[:120]
        sink.fail(
            READ, where, f"{shown_sql!r} is not INSERT INTO [schema].[table] (...) VALUES ..."
        )
        return
    if _folded(node.table) != table.target:
        target = ".".join(node.table)
        sink.fail(READ, where, f"an INSERT into {target} in the part of {table.table_id}")
        return
    index = {c.casefold(): i for i, c in enumerate(node.columns)}
    wanted = [*table.keys, *table.columns]
    missing = [c.emitted for c in wanted if c.emitted.casefold() not in index]
    if missing:
        sink.fail(READ, where, f"{table.table_id}: the INSERT has no column {', '.join(missing)}")
        return
    positions = [index[c.emitted.casefold()] for c in wanted]
    for number, cells in enumerate(node.rows, start=1):
        if len(cells) != len(index):
            sink.fail(READ, where, f"row {number}: {len(cells)} values for {len(index)} columns")
            continue
        try:
            read = tuple(
                read_cell(cells[p], c.sql_type) for p, c in zip(positions, wanted, strict=True)
            )
        except ValueError as error:
            sink.fail(READ, where, f"row {number}: {error}")
            continue
        yield read[: len(table.keys)], read[len(table.keys) :]


# ---- deferred_updates.sql ----------------------------------------------------------------------


def _deferred(
    dynamic_dir: Path, tables: dict[tuple[str, str], UserTable], sink: _Sink
) -> dict[tuple[str, str], dict[Key, dict[int, object]]]:
    """Table → row key → {catalogued column index: value} of every deferred UPDATE that sets a
    catalogued column (a missing file is the order verifier's finding)."""
    path = dynamic_dir / DEFERRED_SCRIPT
    found: dict[tuple[str, str], dict[Key, dict[int, object]]] = {}
    if not path.is_file() or not tables:
        return found
    names = {t.emitted.casefold() for t in tables.values()}
    for batch in batches(path):
        number, text = batch.number, batch.text
        folded = text.casefold()
        if not any(name in folded for name in names):
            continue  # no catalogued table in this batch: not parsed
        for node in statements(text, DEFERRED_SCRIPT, number, sink):
            table = tables.get(_folded(node.table)) if isinstance(node, Update) else None
            if isinstance(node, Update) and table is not None:
                where = f"{DEFERRED_SCRIPT} batch {number}"
                _update(node, table, found.setdefault(table.target, {}), where, sink)
    return found


def _folded(name: tuple[str, str]) -> tuple[str, str]:
    return (name[0].casefold(), name[1].casefold())


def _update(
    node: Update, table: UserTable, found: dict[Key, dict[int, object]], where: str, sink: _Sink
) -> None:
    positions = {c.emitted.casefold(): i for i, c in enumerate(table.columns)}
    sets = [
        (positions[column.casefold()], cell)
        for column, cell in node.sets
        if column.casefold() in positions
    ]
    if not sets:
        return
    try:
        key = _update_key(node.where, table)
        values = [(i, read_cell(v, table.columns[i].sql_type)) for i, v in sets]
    except ValueError as error:
        sink.fail(READ, where, f"{table.table_id}: {error}")
        return
    cells = found.setdefault(key, {})
    for i, value in values:
        if i in cells:
            sink.fail(READ, where, f"{table.table_id}: {table.columns[i].emitted} of key "
                      f"{key!r} is set twice")  # fmt: skip
        cells[i] = value


def _update_key(where: tuple[tuple[str, Cell], ...] | None, table: UserTable) -> Key:
    """The row key of `WHERE [k] = v [AND ...]`, typed; ValueError for anything else."""
    if where is None:
        raise ValueError("an UPDATE without WHERE [key] = value")
    given = {column.casefold(): cell for column, cell in where}
    if len(given) != len(where) or set(given) != {k.emitted.casefold() for k in table.keys}:
        shown_where = " AND ".join(f"[{column}] = {shown(cell)}" for column, cell in where)
        raise ValueError(f"WHERE {shown_where[:80]!r} is not the row key")
    return tuple(read_cell(given[k.emitted.casefold()], k.sql_type) for k in table.keys)


# ---- pairing with the snapshot ----------------------------------------------------------------


def _pairs(
    table: UserTable, emitted: Iterator[tuple[Key, Cells]], file: str, sink: _Sink
) -> Iterator[ValueRow]:
    """Emitted rows paired with snapshot rows by key. Both streams are in key order, so rows
    wait only while the two are out of step (a row missing, added or moved)."""
    alone: dict[Key, Cells] = {}  # emitted rows waiting for their snapshot row
    unmatched: dict[Key, Cells] = {}  # snapshot rows waiting for their emitted row
    for mine, theirs in itertools.zip_longest(emitted, _snapshot_rows(table, sink)):
        if mine is not None and theirs is not None and mine[0] == theirs[0]:
            yield from _cells(table, theirs[1], mine[1])
            continue
        if mine is not None:
            if mine[0] in unmatched:
                yield from _cells(table, unmatched.pop(mine[0]), mine[1])
            elif mine[0] in alone:
                sink.fail(READ, file, f"{table.table_id}: key {mine[0]!r} is inserted twice")
            else:
                alone[mine[0]] = mine[1]
        if theirs is not None:
            if theirs[0] in alone:
                yield from _cells(table, theirs[1], alone.pop(theirs[0]))
            else:
                unmatched[theirs[0]] = theirs[1]
    for key in alone:
        sink.fail(READ, file, f"{table.table_id}: key {key!r} is inserted, but the snapshot has "
                  "no such row (or it is inserted twice)")  # fmt: skip
    for key in unmatched:
        sink.fail(READ, file, f"{table.table_id}: the snapshot row with key {key!r} is not "
                  "inserted")  # fmt: skip


def _cells(table: UserTable, original: Cells, emitted: Cells) -> Iterator[ValueRow]:
    for column, before, after in zip(table.columns, original, emitted, strict=True):
        yield table.table_id, column.physical, before, after


def _snapshot_rows(table: UserTable, sink: _Sink) -> Iterator[tuple[Key, Cells]]:
    """(key, catalogued values) per snapshot row, in the snapshot's (key) order; keys as
    `osddl.tsql.normalise` makes them, which is what `read_literal` reads back."""
    if not table.snapshot.is_file():
        sink.fail(READ, table.snapshot.name, f"{table.table_id}: the snapshot is missing")
        return
    reader = pq.ParquetFile(table.snapshot)
    names = {name.casefold(): name for name in reader.schema_arrow.names}
    wanted = [*table.keys, *table.columns]
    missing = [c.physical for c in wanted if c.physical.casefold() not in names]
    if missing:
        sink.fail(READ, table.snapshot.name, f"no column {', '.join(missing)}")
        return
    physical = [names[c.physical.casefold()] for c in wanted]
    for batch in reader.iter_batches(columns=list(dict.fromkeys(physical))):
        data = batch.to_pydict()
        keys = [data[name] for name in physical[: len(table.keys)]]
        cells = [data[name] for name in physical[len(table.keys) :]]
        for i in range(batch.num_rows):
            yield (
                tuple(normalise(v[i], c.sql_type) for v, c in zip(keys, table.keys, strict=True)),
                tuple(v[i] for v in cells),
            )

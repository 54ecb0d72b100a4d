"""Independent load-order verifier: proves the emitted DynamicData scripts load parents first.

It reads what an operator will run (`load.sql`, every included `*.dynamic.sql`,
`deferred_updates.sql`), never the sorter's result, with the fast reader of the emitted T-SQL
(`osddl.tsql.scan`, sqlglot for anything outside its subset; it shares no code with the
renderer). For every FK edge the parent's INSERTs must all come before the child's, or the child
column must be deferred: NULL in every INSERT, set later by `deferred_updates.sql`. A
self-reference may only point at the same or an earlier row of its file.
Data files are read one GO batch at a time, so memory stays flat whatever the table size.
`statements` is the script reader's part that the fit and uat-users verifiers
(`osddl.proofs.fit`, `osddl.proofs.uat_users`) read the same scripts with.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Final, Protocol

from osddl.export.order import FkEdge, TableKey, TableRef
from osddl.progress import Progress
from osddl.tsql.read import include_target, is_go
from osddl.tsql.scan import (
    Cell,
    Guard,
    Insert,
    Setting,
    Statement,
    UnreadableBatch,
    Update,
    batches,
    cell_tokens,
    counted_rows,
    described,
    insert_head,
    is_null,
    script_lines,
    shown,
)
from osddl.tsql.scan import statements as scan_statements

VERSION: Final = "osddl.order-verification/1"
LOAD_SCRIPT: Final = "load.sql"
DEFERRED_SCRIPT: Final = "deferred_updates.sql"
DATA_SUFFIX: Final = ".dynamic.sql"

# sqlcmd syntax facts: the include and error-mode commands (GO: `osddl.tsql.read.is_go`).
ON_ERROR_EXIT: Final = re.compile(r"^:on\s+error\s+exit\s*$", re.IGNORECASE)
# Statements a data or update script may hold besides its INSERTs / UPDATEs: they change no data.
HARMLESS: Final = (Setting, Guard)

Position = tuple[int, int]  # (include position in load.sql, statement number inside the file)
Key = tuple[str | None, ...]


@dataclass(frozen=True)
class _Update:
    table: TableRef
    column: str
    where: tuple[tuple[str, str | None], ...]  # (key column, literal key), sorted by column
    batch: int

    @property
    def shape(self) -> tuple[str, tuple[str, ...]]:
        """The updated column and the key columns, case-folded: how rows are remembered."""
        return (self.column.casefold(), tuple(c.casefold() for c, _ in self.where))

    @property
    def key(self) -> Key:
        return tuple(v for _, v in self.where)

    @property
    def subject(self) -> str:
        keys = ", ".join(f"[{c}] = {v}" for c, v in self.where)
        return (
            f"UPDATE {_bracket(self.table)} SET [{self.column}] WHERE {keys} (batch {self.batch})"
        )


@dataclass
class _Scan:
    """What the verifier keeps of one table: positions, and only the watched columns."""

    table: TableRef
    files: list[str] = field(default_factory=list)
    first: Position | None = None
    last: Position | None = None
    rows: int = 0
    non_null: dict[str, str] = field(default_factory=dict)  # FK column → first non-NULL row
    null_counts: dict[str, int] = field(default_factory=dict)
    seen_keys: dict[str, set[str | None]] = field(default_factory=dict)
    lookups: dict[tuple[str, tuple[str, ...]], dict[Key, bool]] = field(default_factory=dict)


class Failures(Protocol):
    """Where a reader reports what it cannot read (kind, file, detail)."""

    def fail(self, kind: str, file: str, detail: str) -> None: ...


class _Report:
    """Checks and failures, sorted at the end so the proof is byte-stable."""

    def __init__(self) -> None:
        self.checks: list[dict[str, Any]] = []
        self.failures: list[dict[str, str]] = []

    def fail(self, kind: str, file: str, detail: str) -> None:
        self.failures.append({"kind": kind, "file": file, "detail": detail})

    def check(self, kind: str, subject: str, ok: bool, **facts: Any) -> None:
        self.checks.append(
            {"kind": kind, "subject": subject, "status": "pass" if ok else "fail", **facts}
        )

    def document(self) -> dict[str, Any]:
        checks = sorted(self.checks, key=lambda c: (c["kind"], c["subject"], repr(c)))
        failures = sorted(self.failures, key=lambda f: (f["kind"], f["file"], f["detail"]))
        return {
            "schemaVersion": VERSION,
            "verdict": "fail" if failures else "pass",
            "checks": checks,
            "failures": failures,
        }


# ---- entry point ------------------------------------------------------------------------------


def verify_order(
    dynamic_dir: Path,
    edges: Iterable[FkEdge],
    self_references: Iterable[FkEdge],
    *,
    allow_missing_parents: bool = False,
) -> dict[str, Any]:
    """The order-verification proof for `dynamic_dir` (names in `edges` are emitted names)."""
    report = _Report()
    includes = _read_load_script(dynamic_dir, report)
    _check_inclusion(dynamic_dir, includes, report)
    every = {e.identity: e for e in [*edges, *self_references]}
    graph_edges = [e for e in every.values() if e.child.key != e.parent.key]
    self_refs = [e for e in every.values() if e.child.key == e.parent.key]
    updates = _read_updates(dynamic_dir, includes, report)
    scans = _scan_data(dynamic_dir, includes, graph_edges, self_refs, updates, report)
    _check_edges(graph_edges, scans, updates, allow_missing_parents, report)
    _check_updates(updates, scans, {_column_key(e) for e in [*graph_edges, *self_refs]}, report)
    return report.document()


# ---- load.sql ---------------------------------------------------------------------------------


def _read_load_script(dynamic_dir: Path, report: _Report) -> list[str]:
    """The `:r` includes in order (relative POSIX paths), checking the script's shape."""
    path = dynamic_dir / LOAD_SCRIPT
    if not path.is_file():
        report.fail("missing-load-script", LOAD_SCRIPT, "load.sql not found; render DynamicData")
        return []
    includes: list[str] = []
    exit_on_error = False
    for number, line in enumerate(script_lines(path), start=1):
        text = line.strip()
        if not text or text.startswith("--") or is_go(text):
            continue
        if ON_ERROR_EXIT.match(text):
            exit_on_error = exit_on_error or not includes
        elif (target := include_target(text)) is not None:
            includes.append(target)
        else:
            report.fail("unexpected-line", LOAD_SCRIPT, f"line {number}: {text!r} is not a :r line")
    _check_load_shape(includes, exit_on_error, report)
    return includes


def _check_load_shape(includes: list[str], exit_on_error: bool, report: _Report) -> None:
    if not exit_on_error:
        report.fail(
            "no-exit-on-error",
            LOAD_SCRIPT,
            "':on error exit' must come before the first :r, or sqlcmd goes on after an error",
        )
    last = includes[-1] if includes else None
    ends = last is not None and last.casefold() == DEFERRED_SCRIPT
    report.check("load-script", LOAD_SCRIPT, ends, includes=len(includes), lastInclude=last)
    if not ends:
        report.fail(
            "deferred-not-last",
            LOAD_SCRIPT,
            f"the last :r must be .\\{DEFERRED_SCRIPT} (found {last!r}); deferred FK values are "
            "set only after every table is loaded",
        )


def _is_file(path: Path) -> bool:
    """False also for a name the file system refuses (too long, a NUL): not an included file."""
    try:
        return path.is_file()
    except (OSError, ValueError):
        return False


def _check_inclusion(dynamic_dir: Path, includes: list[str], report: _Report) -> None:
    """Every include exists; every data file is included exactly once."""
    counts: dict[str, int] = {}
    for position, include in enumerate(includes, start=1):
        counts[include.casefold()] = counts.get(include.casefold(), 0) + 1
        exists = _is_file(dynamic_dir / include)
        report.check("include", include, exists, position=position)
        if not exists:
            report.fail("missing-include", include, f"load.sql line :r {include}: file not found")
        if not include.casefold().endswith((DATA_SUFFIX, DEFERRED_SCRIPT)):
            report.fail("unexpected-include", include, "only *.dynamic.sql and the deferred file")
    for include, count in sorted(counts.items()):
        if count > 1:
            report.fail("included-twice", include, f"included {count} times by load.sql")
    for path in sorted(dynamic_dir.rglob(f"*{DATA_SUFFIX}")):
        name = path.relative_to(dynamic_dir).as_posix()
        if name.casefold() not in counts:
            report.fail("not-included", name, "no :r line in load.sql loads this file")


# ---- SQL batches -------------------------------------------------------------------------------


def statements(text: str, file: str, batch: int, report: Failures) -> list[Statement]:
    """The batch's statements but SETs and the empty-table guard; an unparsable batch is
    reported and yields none."""
    try:
        found = scan_statements(text)
    except UnreadableBatch as error:
        report.fail("unparsable-batch", file, f"batch {batch}: {error}")
        return []
    return [s for s in found if not isinstance(s, HARMLESS)]


def _bracket(table: TableRef) -> str:
    return f"[{table.schema}].[{table.table}]"


def _value(cell: Cell) -> str | None:
    """A comparable key for a literal: None for NULL, N'x' equal to 'x', 5 equal to 5.0."""
    literal = cell_tokens(cell)
    operand = literal[0]
    if len(literal) != 1 or operand.form not in ("null", "string", "national", "number"):
        return shown(cell)
    if operand.form == "null":
        return None
    if operand.form != "number":
        return f"'{operand.text}'"
    try:
        return format(Decimal(operand.text).normalize(), "f")
    except InvalidOperation:
        return operand.text


# ---- deferred_updates.sql -----------------------------------------------------------------------


def _read_updates(dynamic_dir: Path, includes: list[str], report: _Report) -> list[_Update]:
    """Every `UPDATE t SET c = v WHERE k = v` of the deferred file (read before the data files,
    so the scan knows which rows to remember)."""
    path = dynamic_dir / DEFERRED_SCRIPT
    if not path.is_file():
        if DEFERRED_SCRIPT not in (i.casefold() for i in includes):
            report.fail("missing-include", DEFERRED_SCRIPT, "deferred_updates.sql not found")
        return []
    updates: list[_Update] = []
    for batch in batches(path):
        for statement in statements(batch.text, DEFERRED_SCRIPT, batch.number, report):
            updates.extend(_update(statement, batch.number, report))
    report.check("deferred-updates", DEFERRED_SCRIPT, True, updates=len(updates))
    return updates


def _update(statement: Statement, batch: int, report: _Report) -> list[_Update]:
    if not isinstance(statement, Update) or statement.where is None:
        report.fail(
            "unexpected-statement",
            DEFERRED_SCRIPT,
            f"batch {batch}: {described(statement)[:120]!r} is not UPDATE [schema].[table] "
            "SET [c] = v WHERE [k] = v",
        )
        return []
    where = tuple(sorted(((c, _value(v)) for c, v in statement.where), key=_first_folded))
    table = TableRef(*statement.table)
    return [_Update(table, column, where, batch) for column, _ in statement.sets]


def _first_folded(pair: tuple[str, str | None]) -> str:
    return pair[0].casefold()


# ---- data files --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Watch:
    """Columns worth remembering, per table key: FK columns, self-references, update targets."""

    fk_columns: dict[TableKey, set[str]]
    self_refs: dict[TableKey, list[FkEdge]]
    updates: dict[TableKey, dict[tuple[str, tuple[str, ...]], set[Key]]]


def _watch(edges: list[FkEdge], self_refs: list[FkEdge], updates: list[_Update]) -> _Watch:
    fk_columns: dict[TableKey, set[str]] = {}
    for edge in edges:
        fk_columns.setdefault(edge.child.key, set()).add(edge.column.casefold())
    by_table: dict[TableKey, list[FkEdge]] = {}
    for edge in self_refs:
        by_table.setdefault(edge.child.key, []).append(edge)
    wanted: dict[TableKey, dict[tuple[str, tuple[str, ...]], set[Key]]] = {}
    for u in updates:
        wanted.setdefault(u.table.key, {}).setdefault(u.shape, set()).add(u.key)
    return _Watch(fk_columns, by_table, wanted)


def _scan_data(
    dynamic_dir: Path,
    includes: list[str],
    edges: list[FkEdge],
    self_refs: list[FkEdge],
    updates: list[_Update],
    report: _Report,
) -> dict[TableKey, _Scan]:
    """Walk the included data files in load order, one batch at a time."""
    watch = _watch(edges, self_refs, updates)
    scans: dict[TableKey, _Scan] = {}
    with Progress("verify:order", "files") as progress:
        for position, include in enumerate(includes, start=1):
            path = dynamic_dir / include
            if include.casefold() == DEFERRED_SCRIPT or not _is_file(path):
                continue
            _note_file(scans, include, position)
            number = 0
            for batch in batches(path):
                if _counted(batch.text, (position, number + 1), include, scans, watch):
                    number += 1
                    continue
                for statement in statements(batch.text, include, batch.number, report):
                    number += 1
                    where = (position, number)
                    _insert(statement, where, include, batch.number, scans, watch, report)
            progress.advance()
    return scans


def _counted(
    text: str, at: Position, file: str, scans: dict[TableKey, _Scan], watch: _Watch
) -> bool:
    """A batch that is one INSERT into a table with no watched column, its rows counted without
    reading them (`counted_rows`: one tuple of the right width per line); False: read it."""
    head = insert_head(text)
    if head is None:
        return False
    table = TableRef(*head[0])
    if watch.fk_columns.get(table.key) or watch.self_refs.get(table.key):
        return False
    if watch.updates.get(table.key):
        return False
    rows = counted_rows(text, head[2], len(head[1]))
    if rows is None:
        return False
    scan = _located(scans, table, file, at)
    scan.rows += rows
    return True


def _note_file(scans: dict[TableKey, _Scan], include: str, position: int) -> None:
    """A file named `<schema>.<Table>.dynamic.sql` locates its table even when it has no rows."""
    name = include.rsplit("/", 1)[-1]
    schema, dot, table = name[: -len(DATA_SUFFIX)].partition(".")
    if dot and name.casefold().endswith(DATA_SUFFIX):
        ref = TableRef(schema, table)
        scan = scans.setdefault(ref.key, _Scan(ref))
        scan.files.append(include)
        scan.first = scan.first or (position, 0)
        scan.last = max(scan.last or (position, 0), (position, 0))


def _insert(
    statement: Statement,
    at: Position,
    file: str,
    batch: int,
    scans: dict[TableKey, _Scan],
    watch: _Watch,
    report: _Report,
) -> None:
    if not isinstance(statement, Insert):
        report.fail(
            "unexpected-statement",
            file,
            f"batch {batch}: {described(statement)[:120]!r} is not INSERT INTO [schema].[table] "
            "([c], ...) VALUES ...",
        )
        return
    scan = _located(scans, TableRef(*statement.table), file, at)
    columns = [c.casefold() for c in statement.columns]
    _rows(scan, columns, statement.rows, file, batch, watch, report)


def _located(scans: dict[TableKey, _Scan], table: TableRef, file: str, at: Position) -> _Scan:
    """The table's scan, with this statement's file and position noted."""
    scan = scans.setdefault(table.key, _Scan(table))
    if file not in scan.files:
        scan.files.append(file)
    scan.first = min(scan.first or at, at)
    scan.last = max(scan.last or at, at)
    return scan


def _rows(
    scan: _Scan,
    columns: list[str],
    rows: Sequence[Sequence[Cell]],
    file: str,
    batch: int,
    watch: _Watch,
    report: _Report,
) -> None:
    """Record NULL-ness of FK columns, run self-reference checks, remember updated rows."""
    index = {c: i for i, c in enumerate(columns)}
    fks = [(c, index[c]) for c in watch.fk_columns.get(scan.table.key, ()) if c in index]
    selfs = watch.self_refs.get(scan.table.key, [])
    lookups = watch.updates.get(scan.table.key, {})
    if not (fks or selfs or lookups):  # nothing watched: only the rows and their arity
        for values in rows:
            scan.rows += 1
            if len(values) != len(columns):
                _arity(scan, values, columns, file, batch, report)
        return
    for values in rows:
        scan.rows += 1
        where = f"batch {batch}, row {scan.rows}"
        if len(values) != len(columns):
            _arity(scan, values, columns, file, batch, report)
            continue
        for column, i in fks:
            _note_fk(scan, column, values[i], where)
        for edge in selfs:
            _self_reference(scan, edge, index, values, (file, where), report)
        for shape, keys in lookups.items():
            _remember(scan, shape, keys, index, values)


def _arity(
    scan: _Scan,
    values: Sequence[Cell],
    columns: list[str],
    file: str,
    batch: int,
    report: _Report,
) -> None:
    where = f"batch {batch}, row {scan.rows}"
    report.fail("row-arity", file, f"{where}: {len(values)} values for {len(columns)} columns")


def _note_fk(scan: _Scan, column: str, cell: Cell, where: str) -> None:
    if is_null(cell):
        scan.null_counts[column] = scan.null_counts.get(column, 0) + 1
    elif column not in scan.non_null:
        scan.non_null[column] = f"{where} holds {shown(cell)}"


def _self_reference(
    scan: _Scan,
    edge: FkEdge,
    index: dict[str, int],
    values: Sequence[Cell],
    where: tuple[str, str],
    report: _Report,
) -> None:
    """The referenced key must already be loaded: the same row or an earlier one."""
    column, key = edge.column.casefold(), edge.parent_column.casefold()
    if column not in index or key not in index:
        return
    seen = scan.seen_keys.setdefault(column, set())
    seen.add(_value(values[index[key]]))
    target = _value(values[index[column]])
    if target is not None and target not in seen:
        report.fail(
            "self-reference-forward",
            where[0],
            f"{edge.name} = {target} at {where[1]} refers to a row not inserted yet; insert "
            f"NULL there and set it in {DEFERRED_SCRIPT}",
        )


def _remember(
    scan: _Scan,
    shape: tuple[str, tuple[str, ...]],
    keys: set[Key],
    index: dict[str, int],
    values: Sequence[Cell],
) -> None:
    """For rows an UPDATE targets: was the updated column NULL in the INSERT?"""
    column, key_columns = shape
    if column not in index or not all(k in index for k in key_columns):
        return
    key = tuple(_value(values[index[k]]) for k in key_columns)
    if key in keys:
        scan.lookups.setdefault(shape, {})[key] = is_null(values[index[column]])


# ---- verdicts -----------------------------------------------------------------------------------


def _column_key(edge: FkEdge) -> tuple[TableKey, str]:
    return (edge.child.key, edge.column.casefold())


def _check_edges(
    edges: list[FkEdge],
    scans: dict[TableKey, _Scan],
    updates: list[_Update],
    allow_missing_parents: bool,
    report: _Report,
) -> None:
    """Each edge: parent first, or deferred (NULL in every INSERT)."""
    updated = {(u.table.key, u.column.casefold()) for u in updates}
    for edge in sorted(edges, key=lambda e: e.sort_key):
        child, parent = scans.get(edge.child.key), scans.get(edge.parent.key)
        if child is None or child.first is None:
            _not_loaded(edge, edge.child, "child", report)
        elif parent is None or parent.last is None:
            if allow_missing_parents:
                report.check("edge", edge.display(), True, result="parent-not-exported")
            else:
                _not_loaded(edge, edge.parent, "parent", report)
        elif parent.last < child.first:
            report.check(
                "edge", edge.display(), True, result="parent-first", **_where_is(parent, child)
            )
        else:
            _deferred_edge(edge, parent, child, _column_key(edge) in updated, report)


def _where_is(parent: _Scan, child: _Scan) -> dict[str, Any]:
    return {
        "parentFiles": parent.files,
        "childFiles": child.files,
        "parentLast": list(parent.last or ()),
        "childFirst": list(child.first or ()),
    }


def _not_loaded(edge: FkEdge, table: TableRef, role: str, report: _Report) -> None:
    report.check("edge", edge.display(), False, result=f"{role}-not-loaded")
    report.fail(
        "table-not-loaded",
        LOAD_SCRIPT,
        f"{edge.display()}: {role} {table} has no INSERT script included by load.sql",
    )


def _deferred_edge(
    edge: FkEdge, parent: _Scan, child: _Scan, has_updates: bool, report: _Report
) -> None:
    """The child loads first, so its column must be NULL in every INSERT row."""
    offending = child.non_null.get(edge.column.casefold())
    facts = _where_is(parent, child)
    report.check("edge", edge.display(), offending is None, result="deferred", **facts)
    if offending is None:
        return
    kind = "deferred-not-null" if has_updates else "child-before-parent"
    report.fail(
        kind,
        child.files[0],
        f"{edge.display()}: {child.table} is inserted before its parent {parent.table} "
        f"({', '.join(child.files)} before {', '.join(parent.files)}) and {edge.column} is not "
        f"NULL ({offending}); load the parent first or insert NULL and set it in {DEFERRED_SCRIPT}",
    )


def _check_updates(
    updates: list[_Update],
    scans: dict[TableKey, _Scan],
    deferrable: set[tuple[TableKey, str]],
    report: _Report,
) -> None:
    """Each UPDATE sets an FK column of a row whose INSERT left it NULL, exactly once: that is
    what deferring means, whichever edge made the renderer defer it."""
    seen: set[tuple[TableKey, str, Key]] = set()
    for update in updates:
        ident = (update.table.key, update.column.casefold(), update.key)
        problem = _update_problem(update, scans, deferrable, ident in seen)
        seen.add(ident)
        if problem:
            report.fail(problem[0], DEFERRED_SCRIPT, f"{update.subject}: {problem[1]}")


def _update_problem(
    update: _Update,
    scans: dict[TableKey, _Scan],
    deferrable: set[tuple[TableKey, str]],
    duplicate: bool,
) -> tuple[str, str] | None:
    column = update.column.casefold()
    if (update.table.key, column) not in deferrable:
        return (
            "update-not-deferred",
            "this column is no foreign key or self-reference, so it is never deferred; its "
            "value belongs in the INSERT",
        )
    if duplicate:
        return "update-duplicate", "the same row and column are set twice"
    scan = scans.get(update.table.key)
    was_null = scan.lookups.get(update.shape, {}).get(update.key) if scan else None
    if was_null is None:
        return "update-unknown-row", "no INSERT row has this key"
    if not was_null:
        return (
            "update-not-null",
            "the INSERT already holds a value; a deferred column is NULL there",
        )
    return None

"""Reading the emitted scripts back: the one function that turns a DynamicData, deferred-update
or seed file into steps with Python values (`read_script`), and the `:r` include lists of
`load.sql` and `Script.PostDeployment.sql` (`includes`).

An independent reader: the fast reader of the emitted T-SQL (`osddl.tsql.scan`: GO batches, typed
statements, sqlglot for any batch outside its subset) and its literal reading (`read_cell`, the
per-type readers of `osddl.tsql.read`); the seeds' MERGE statements are read from sqlglot's tree.
Nothing here shares code with the renderer. Every step carries where it came from (file, batch,
line) and a value that does not read back is a `ScriptError` naming its row and column.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Final

from osddl.tsql import SqlType, quiet_sqlglot
from osddl.tsql.read import TEMPORAL_SHAPES, include_target, tokens
from osddl.tsql.scan import (
    Cell,
    Insert,
    Name,
    Other,
    Row,
    Setting,
    Statement,
    UnreadableBatch,
    batches,
    described,
    read_cell,
    statements,
)
from osddl.tsql.scan import Guard as ScanGuard
from osddl.tsql.scan import Update as ScanUpdate
from osddl.tsql.types import KINDS

if TYPE_CHECKING:
    from sqlglot import exp

# The settings a sqlcmd load of osddl's scripts meets; they change no data.
HARMLESS_SET: Final = re.compile(
    r"SET (?:NOCOUNT ON|XACT_ABORT ON|IDENTITY_INSERT .+ (?:AS )?(?:ON|OFF))", re.I | re.S
)


@dataclass(frozen=True)
class Where:
    file: str  # relative to the output folder, POSIX
    batch: int
    line: int  # the batch's first line


@dataclass(frozen=True)
class TableRef:
    schema: str  # as written (`dbo` when none)
    name: str


@dataclass(frozen=True)
class Rows:
    """An INSERT ... VALUES, or the VALUES source of a seed's MERGE (inserted into empty tables):
    the values column by column (`values[i]` is column `columns[i]`, one value per row)."""

    table: TableRef
    columns: tuple[str, ...]
    values: list[Sequence[object]]
    where: Where

    @property
    def count(self) -> int:
        return len(self.values[0]) if self.values else 0

    def row(self, index: int) -> tuple[object, ...]:
        """Row `index` (0-based), in column order."""
        return tuple(column[index] for column in self.values)


@dataclass(frozen=True)
class Update:
    """`UPDATE t SET c = v, ... WHERE k = v AND ...` (a deferred FK value)."""

    table: TableRef
    changes: dict[str, object]
    key: dict[str, object]
    where: Where


@dataclass(frozen=True)
class Guard:
    """The "table must be empty" check before a table's INSERTs."""

    table: TableRef
    where: Where


Step = Rows | Update | Guard

# (schema, table), case-folded → column (case-folded) → its type; None: not a known table.
Types = Callable[[TableRef], Mapping[str, SqlType] | None]


class ScriptError(Exception):
    """Something in a script a sqlcmd load would not do as expected."""

    def __init__(self, where: Where, detail: str, row: int = 0, column: str = "") -> None:
        super().__init__(detail)
        self.where, self.detail, self.row, self.column = where, detail, row, column


def read_text(path: Path) -> str:
    """The file's exact text (no newline translation: a stray CR must stay visible)."""
    with path.open(encoding="utf-8", newline="") as handle:
        return handle.read()


def includes(script: Path, out: Path) -> list[Path]:
    """The `:r` files of a sqlcmd master script in order (relative to its folder)."""
    found: list[Path] = []
    name = script.relative_to(out).as_posix()
    for number, line in enumerate(read_text(script).splitlines(), 1):
        text = line.strip()
        if not text or text.startswith("--") or text.lower() == ":on error exit":
            continue
        target = include_target(text)
        where = Where(name, 0, number)
        if target is None:
            raise ScriptError(where, f"unexpected line {line!r}")
        included = script.parent / target
        if not included.is_file():
            raise ScriptError(where, f"included file {target} does not exist")
        found.append(included)
    return found


def read_script(path: Path, out: Path, types: Types) -> Iterator[Step]:
    """The steps of one emitted file, in order, values read back (the one script reader)."""
    name = path.relative_to(out).as_posix()
    for batch in batches(path):
        where = Where(name, batch.number, batch.line)
        try:
            found = statements(batch.text)
        except UnreadableBatch as error:
            raise ScriptError(where, f"does not parse: {error}") from None
        merges = _merges(batch.text) if any(_is_merge(s) for s in found) else iter(())
        for statement in found:
            step = _step(statement, merges, where, types)
            if step is not None:
                yield step


def _step(
    statement: Statement, merges: Iterator[exp.Merge], where: Where, types: Types
) -> Step | None:
    if isinstance(statement, Insert):
        return _rows(_ref(statement.table), statement.columns, statement.rows, where, types)
    if isinstance(statement, ScanUpdate):
        return _update(statement, where, types)
    if isinstance(statement, ScanGuard):
        if statement.table is None:
            raise ScriptError(where, "an empty-table guard not in the emitted form")
        return Guard(_ref(statement.table), where)
    if isinstance(statement, Setting) and HARMLESS_SET.fullmatch(statement.text):
        return None
    if _is_merge(statement):
        return _merge(next(merges), where, types)
    raise ScriptError(where, f"unexpected statement {described(statement)[:200]!r}")


def _is_merge(statement: Statement) -> bool:
    return isinstance(statement, Other) and statement.text.upper().startswith("MERGE")


def _merges(text: str) -> Iterator[exp.Merge]:
    """The batch's MERGE statements (seeds), as sqlglot parses the batch's own text (the fast
    reader leaves MERGE to sqlglot, which found them in the same text, in the same order)."""
    import sqlglot  # only seeds (MERGE) need sqlglot's tree
    from sqlglot import exp

    with quiet_sqlglot():
        parsed = sqlglot.parse(text, read="tsql")
    return iter([node for node in parsed if isinstance(node, exp.Merge)])


def _ref(name: Name) -> TableRef:
    return TableRef(*name)


def _columns(table: TableRef, names: Sequence[str], where: Where, types: Types) -> list[SqlType]:
    known = types(table)
    if known is None:
        raise ScriptError(where, f"{table.schema}.{table.name}: not a table of the model")
    found = []
    for name in names:
        sql_type = known.get(name.casefold())
        if sql_type is None:
            raise ScriptError(where, f"{table.schema}.{table.name}: no column {name!r}", 0, name)
        found.append(sql_type)
    return found


def _rows(
    table: TableRef, names: Sequence[str], cells: Sequence[Row], where: Where, types: Types
) -> Rows:
    column_types = _columns(table, names, where, types)
    if any(width != len(names) for width in set(map(len, cells))):
        number, row = next((n, r) for n, r in enumerate(cells, 1) if len(r) != len(names))
        detail = f"a tuple of {len(row)} values for {len(names)} columns"
        raise ScriptError(where, detail, number)
    by_column = list(zip(*cells, strict=True)) or [() for _ in names]
    try:
        columns = [
            _column(texts, sql_type, where, name)
            for texts, sql_type, name in zip(by_column, column_types, names, strict=True)
        ]
    except ScriptError:  # read column by column; the finding names the first bad row
        for number, row in enumerate(cells, 1):
            for cell, sql_type, name in zip(row, column_types, names, strict=True):
                _value(cell, sql_type, where, number, name)
        raise
    return Rows(table, tuple(names), columns, where)


def _column(cells: Sequence[Cell], sql_type: SqlType, where: Where, name: str) -> Sequence[object]:
    """One column's cells of an INSERT, read back (row numbers are 1-based): the whole column at
    once when every cell has its type's plain form, else cell by cell with `read_cell`."""
    fast = _COLUMN_FORMS.get(KINDS.get(sql_type.name, ""))
    if fast is not None:
        try:
            joined = "\n".join(cells)  # type: ignore[arg-type]  # TypeError: sqlglot's operands
        except TypeError:
            joined = ""
        if joined and fast.pattern.fullmatch(joined):
            return fast.read(cells, joined)  # type: ignore[arg-type]  # all str
    return [_value(cell, sql_type, where, number, name) for number, cell in enumerate(cells, 1)]


@dataclass(frozen=True)
class _Form:
    """A whole column of one type's plain cells or NULLs, one per line (`pattern`), and the value
    of one cell (`convert`); `quote`: text cells open with `quote` and close with `'`, so a column
    without NULLs or doubled quotes is split at the cell boundaries at once."""

    pattern: re.Pattern[str]
    convert: Callable[[str], object]
    quote: str = ""

    def read(self, texts: Sequence[str], joined: str) -> Sequence[object]:
        if "NULL" in texts:
            return [None if t == "NULL" else self.convert(t) for t in texts]
        if self.quote and "''" not in joined:
            return joined[len(self.quote) : -1].split(f"'\n{self.quote}")
        return list(map(self.convert, texts))


def _form(cell: str, convert: Callable[[str], object], quote: str = "") -> _Form:
    """ASCII digits only and no capturing groups (faster): stricter than the reference readers,
    so a column with other digits is read cell by cell by the reference."""
    one = "(?:{}|NULL)".format(re.sub(r"(?<!\\)\((?!\?)", "(?:", cell))
    return _Form(re.compile(f"{one}(?:\n{one})*", re.ASCII), convert, quote)


_QUOTED = r"'[^']*(?:''[^']*)*'"
# kind → the column form of its plain cells: the readers of `osddl.tsql.read` for those cells
# (single operands; `tests/test_load_script.py` holds the two equal).
_COLUMN_FORMS: Final[dict[str, _Form]] = {
    "integer": _form(r"-?\d+", int),
    "bit": _form("[01]", int),
    "exact": _form(r"-?\d+(?:\.\d+)?", Decimal),
    "unicode": _form("N" + _QUOTED, lambda t: t[2:-1].replace("''", "'"), "N'"),
    "ansi": _form(_QUOTED, lambda t: t[1:-1].replace("''", "'"), "'"),
    **{
        kind: _form(f"'{shape.pattern}'", lambda t: t[1:-1], "'")
        for kind, shape in TEMPORAL_SHAPES.items()
        if kind != "date"
    },
    "date": _form(f"'{TEMPORAL_SHAPES['date'].pattern}'", lambda t: dt.date.fromisoformat(t[1:-1])),
}


def _value(cell: Cell, sql_type: SqlType, where: Where, row: int, column: str) -> object:
    try:
        return read_cell(cell, sql_type)
    except ValueError as error:
        raise ScriptError(where, str(error), row, column) from None


def _merge(statement: exp.Merge, where: Where, types: Types) -> Rows:
    """A seed: `MERGE INTO t USING (VALUES ...) AS s (columns) ...`; into an empty staging table
    every source row is an insert."""
    from sqlglot import exp

    source = statement.args.get("using")
    values = source.this if isinstance(source, exp.Subquery) else source
    target = statement.this
    if not isinstance(values, exp.Values) or not isinstance(target, exp.Table):
        raise ScriptError(where, "not MERGE INTO table USING (VALUES ...) AS s (columns)")
    alias = source.args.get("alias") if source is not None else None
    names = [c.name for c in alias.columns] if isinstance(alias, exp.TableAlias) else []
    rows: list[Row] = [
        tuple(tokens(c) for c in (row.expressions if isinstance(row, exp.Tuple) else [row]))
        for row in values.expressions
    ]
    table = TableRef(target.db or "dbo", target.name)
    return _rows(table, names or values.alias_column_names, rows, where, types)


def _update(statement: ScanUpdate, where: Where, types: Types) -> Update:
    table = _ref(statement.table)
    if statement.where is None:
        raise ScriptError(where, f"UPDATE without WHERE [key] = literal: {statement.shown()!r}")
    return Update(
        table,
        _assignments(table, statement.sets, where, types),
        _assignments(table, statement.where, where, types),
        where,
    )


def _assignments(
    table: TableRef, pairs: Sequence[tuple[str, Cell]], where: Where, types: Types
) -> dict[str, object]:
    found = {}
    for name, cell in pairs:
        (sql_type,) = _columns(table, [name], where, types)
        found[name] = _value(cell, sql_type, where, 1, name)
    return found

"""The fast reader of the T-SQL osddl emits: scripts as typed statements, at export speed.

Every proof that reads the emitted scripts back (order, fit, uat-users, the load harness) reads them
here. A batch (split by `osddl.tsql.read.split_text`, the one GO rule) is read with a few
regular expressions that know exactly the subset the exporter writes:

- `INSERT INTO [s].[t] ([c], ...) VALUES (..), (..);` with literal cells: NULL, numbers,
  '..' and N'..' (quotes doubled), 0x.., and `+` chains of those with CAST('' AS (n)varchar(max))
  and CHAR(n) / NCHAR(n) (control characters);
- `UPDATE [s].[t] SET [c] = v WHERE [k] = v [AND ...];` (deferred references);
- `SET NOCOUNT|XACT_ABORT ON|OFF;`, `SET IDENTITY_INSERT [s].[t] ON|OFF;`;
- the empty-table guard `IF EXISTS (SELECT 1 FROM [s].[t]) THROW 50001, N'..', 1;`, alone in
  its batch;
- `--` comment lines between statements (skipped).

Anything else in a batch sends the whole batch to sqlglot's T-SQL parser, whose statements are
converted into the same types (`Other` for what is none of them), so the proofs report what they
reported before. The reader shares no code with the renderer (`osddl.tsql.write`,
`osddl.export.dynamic`). Cells stay text until a caller reads them: `read_cell` tokenises a cell
into `osddl.tsql.read.Operand`s and reads it with the per-type readers sqlglot's path uses too.
"""

from __future__ import annotations

import contextlib
import functools
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple, TextIO

from osddl.errors import InputError
from osddl.tsql.read import (
    Batch,
    Operand,
    Tokens,
    quiet_sqlglot,
    read_tokens,
    split_text,
    tokens,
)
from osddl.tsql.types import SqlType

if TYPE_CHECKING:
    from sqlglot import exp

Name = tuple[str, str]  # (schema, table) as written, brackets and `]]` escapes removed
Cell = str | Tokens  # a literal's text (fast path) or sqlglot's operands (fallback)
Row = Sequence[Cell]


class Insert(NamedTuple):
    table: Name
    columns: tuple[str, ...]
    rows: list[Row]


class Update(NamedTuple):
    table: Name
    sets: tuple[tuple[str, Cell], ...]
    where: tuple[tuple[str, Cell], ...] | None  # None: no WHERE, or not `[k] = v AND ...`
    origin: str | exp.Expr  # the statement as written, for messages

    def shown(self) -> str:
        origin = self.origin
        return origin if isinstance(origin, str) else str(origin.sql(dialect="tsql"))


class Setting(NamedTuple):
    text: str  # `SET NOCOUNT ON`, `SET IDENTITY_INSERT [s].[t] OFF`, ... (changes no data)


class Guard(NamedTuple):
    table: Name | None  # the "table must be empty" guard; None when sqlglot's path found it


class Other(NamedTuple):
    text: str  # any other statement, as sqlglot prints it


Statement = Insert | Update | Setting | Guard | Other


class UnreadableBatch(ValueError):
    """A batch neither reader can parse; the message is sqlglot's first line."""


# ---- the subset, as patterns --------------------------------------------------------------------

# Possessive (`*+`, `?+`) and atomic (`(?>..)`): a cell or a blank run can end in one place only
# (what may follow it never continues it), so giving none back changes no match, only the speed.
_WS = r"[ \t\r\n]*+"
_STRING = r"'[^']*+(?:''[^']*+)*+'"  # quotes doubled, linear (no nested repetition)
NAME = r"\[[^\]]*(?:\]\][^\]]*)*\]"  # a bracketed name, `]]` escaping a `]`
_TABLE = rf"({NAME})\.({NAME})"
_MAX_TYPE = r"[Nn]?[Vv][Aa][Rr][Cc][Hh][Aa][Rr]\([Mm][Aa][Xx]\)"


def _cell(string: str) -> str:
    """A cell whose quoted strings are `string`."""
    operand = rf"N?{string}|N?CHAR\(\d++\)|CAST\(N?{string} AS {_MAX_TYPE}\)"
    return (
        rf"(?>NULL|0x[0-9A-Fa-f]*+|-?\d++(?:\.\d++)?+(?:[eE][+-]?\d++)?+"
        rf"|(?:{operand})(?:[ \t]*+\+[ \t]*+(?:{operand}))*+)"
    )


_CELL = _cell(_STRING)
# A cell on one line: the rows of `counted_rows` are its lines.
_LINE_CELL = _cell(r"'[^'\n]*+(?:''[^'\n]*+)*+'")
_SKIP = re.compile(r"(?:[ \t\r\n]+|--[^\n]*)*")
_INSERT = re.compile(
    rf"INSERT INTO {_TABLE}{_WS}\(({_WS}{NAME}(?:{_WS},{_WS}{NAME})*){_WS}\){_WS}VALUES{_WS}"
)
_NAMES = re.compile(NAME)
_UPDATE = re.compile(rf"UPDATE {_TABLE} SET ")
_ASSIGNMENT = re.compile(rf"({NAME}) = ({_CELL})")
_SET = re.compile(rf"(SET (?:NOCOUNT|XACT_ABORT|IDENTITY_INSERT {NAME}\.{NAME}) (?:ON|OFF));")
_GUARD = re.compile(rf"IF EXISTS \(SELECT 1 FROM {_TABLE}\){_WS}THROW 50001, N{_STRING}, 1;")

# One operand of a cell, by form (the groups' names are `Operand.form`s).
_OPERAND = re.compile(
    "|".join(
        [
            r"(?P<null>NULL)",
            r"0x(?P<binary>[0-9A-Fa-f]*)",
            r"(?P<number>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)",
            r"N'(?P<national>[^']*(?:''[^']*)*)'",
            r"'(?P<string>[^']*(?:''[^']*)*)'",
            r"(?P<function>N?CHAR)\((?P<code>\d+)\)",
            rf"CAST\((?P<value>N?{_STRING}) AS (?P<cast>{_MAX_TYPE})\)",
        ]
    )
)
_PLUS = re.compile(r"[ \t]*\+[ \t]*")


def _cells(width: int) -> str:
    """One VALUES tuple of `width` cells (one group each) and the blanks after it."""
    cells = rf"{_WS},{_WS}".join([f"({_CELL})"] * width)
    return rf"\({_WS}{cells}{_WS}\){_WS}"


@functools.cache
def _row(width: int) -> re.Pattern[str]:
    """One VALUES tuple and what follows it (`,` and blanks, or `;`)."""
    return re.compile(rf"{_cells(width)}(?:,{_WS}|;)")


@functools.cache
def _lines(width: int) -> re.Pattern[str]:
    """A VALUES list of one tuple per line up to its `;`, no line break inside a tuple."""
    blank = r"[ \t]*+"
    row = rf"\({blank}{f'{blank},{blank}'.join([_LINE_CELL] * width)}{blank}\)"
    return re.compile(rf"{row}(?:{blank},{blank}\r?\n{blank}{row})*+{blank};")


def insert_head(text: str) -> tuple[Name, tuple[str, ...], int] | None:
    """A batch that starts (after blanks and comments) with an INSERT of the subset: its table,
    columns and where its VALUES list starts; None otherwise."""
    return _insert_head(text, _SKIP.match(text, 0).end())  # type: ignore[union-attr]


def counted_rows(text: str, start: int, width: int) -> int | None:
    """The number of rows of a batch that is one INSERT whose VALUES list (from `start`) has one
    tuple of `width` cells per line, counted without reading a cell; None for any other batch
    (read it with `statements`, which gives that many rows of `width` cells for this one)."""
    found = _lines(width).match(text, start)
    if found is None or _SKIP.match(text, found.end()).end() != len(text):  # type: ignore[union-attr]
        return None
    return text.count("\n", start, found.end()) + 1


@functools.cache
def _rows(width: int) -> re.Pattern[str]:
    """For `findall` over a VALUES list up to its `;` (the end of the searched text): each
    match is a tuple followed by `,` or, at the end, `;`; anything else matches the second
    alternative, which takes the rest of the text and no groups (a tuple of empty cells)."""
    return re.compile(rf"{_cells(width)}(?:,{_WS}|;\Z)|(?s:.+)")


# ---- reading ------------------------------------------------------------------------------------


_CHUNK = 1 << 20  # characters per read of `batches`


def script_lines(path: Path) -> Iterator[str]:
    """The lines of an emitted script; bytes that are not UTF-8 are one clear error, not a crash."""
    with open_script(path) as handle:
        yield from handle


def batches(path: Path) -> Iterator[Batch]:
    """The GO-separated batches of a script file (`split_batches` of its lines), read in large
    chunks (memory stays flat)."""
    with open_script(path) as handle:
        yield from split_text(iter(functools.partial(handle.read, _CHUNK), ""))


@contextlib.contextmanager
def open_script(path: Path) -> Iterator[TextIO]:
    """An emitted script opened as text; bytes that are not UTF-8 are one clear error."""
    try:
        with path.open(encoding="utf-8") as handle:
            yield handle
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start}); the script was damaged "
            "or saved in another encoding: delete it, then rerun doit full_export"
        ) from None


def statements(text: str) -> list[Statement]:
    """A batch's statements: the fast reader's when the batch is in the subset, else sqlglot's.
    Raises UnreadableBatch when sqlglot cannot parse it either."""
    found = subset_statements(text)
    return found if found is not None else sqlglot_statements(text)


def read_cell(cell: Cell, sql_type: SqlType) -> object:
    """The value SQL Server would store for a cell of a column of `sql_type` (`normalise`'s
    value); ValueError for anything that is no literal of the type."""
    return read_tokens(cell_tokens(cell), sql_type)


def is_null(cell: Cell) -> bool:
    if isinstance(cell, str):
        return cell == "NULL"
    return len(cell) == 1 and cell[0].form == "null"


def described(statement: Statement) -> str:
    """A statement for a message: as written or printed (an INSERT by its table and columns)."""
    if isinstance(statement, Insert):
        columns = ", ".join(f"[{c}]" for c in statement.columns)
        return f"INSERT INTO [{statement.table[0]}].[{statement.table[1]}] ({columns}) VALUES ..."
    if isinstance(statement, Update):
        return statement.shown()
    if isinstance(statement, Guard):
        return "IF EXISTS (...) THROW ..."
    return statement.text


def shown(cell: Cell) -> str:
    """The cell as written (fast path) or as sqlglot prints it."""
    return cell if isinstance(cell, str) else " + ".join(o.shown() for o in cell)


def cell_tokens(cell: Cell) -> Tokens:
    """A cell's operands; a text cell is one the subset's pattern accepted."""
    if not isinstance(cell, str):
        return cell
    single = _OPERAND.fullmatch(cell)
    if single is not None:  # most cells: no `+` chain
        return (_text_operand(single),)
    found: list[Operand] = []
    position = 0
    while True:
        match = _OPERAND.match(cell, position)
        if match is None:
            raise ValueError(f"{cell!r} is not a literal")  # only for text outside the subset
        found.append(_text_operand(match))
        position = match.end()
        plus = _PLUS.match(cell, position)
        if position == len(cell) or plus is None:
            break
        position = plus.end()
    if position != len(cell):
        raise ValueError(f"{cell!r} is not a literal")
    return tuple(found)


def _text_operand(match: re.Match[str]) -> Operand:
    text = match.group()
    form = match.lastgroup
    if form in ("national", "string"):
        return Operand(form, match[form].replace("''", "'"), text)
    if form == "code":
        function = "nchar" if match["function"] == "NCHAR" else "char"
        return Operand(function, "", text, (Operand("number", match["code"], match["code"]),))
    if form == "cast":
        return Operand("cast", match["cast"].upper(), text, cell_tokens(match["value"]))
    if form == "null":
        return Operand("null", "", text)
    return Operand(str(form), match[str(form)], text)  # number, binary


def _unquote(name: str) -> str:
    return name[1:-1].replace("]]", "]")


# ---- the fast path ------------------------------------------------------------------------------


def subset_statements(text: str) -> list[Statement] | None:
    """The batch's statements, or None when anything in it is outside the subset."""
    found: list[Statement] = []
    position = _SKIP.match(text, 0).end()  # type: ignore[union-attr]  # always matches
    while position < len(text):
        read = _fast_statement(text, position)
        if read is None:
            return None
        statement, position = read
        found.append(statement)
        position = _SKIP.match(text, position).end()  # type: ignore[union-attr]
    if len(found) > 1 and any(isinstance(s, Guard) for s in found):
        return None  # a guard shares its batch with nothing (sqlglot's path judges that)
    return found


def _fast_statement(text: str, position: int) -> tuple[Statement, int] | None:
    head = text[position : position + 6]
    if head == "INSERT":
        return _fast_insert(text, position)
    if head == "UPDATE":
        return _fast_update(text, position)
    if head.startswith("SET"):
        match = _SET.match(text, position)
        return (Setting(match[1]), match.end()) if match else None
    if head.startswith("IF"):
        match = _GUARD.match(text, position)
        return (Guard(_table(match)), match.end()) if match else None
    return None


def _table(match: re.Match[str]) -> Name | None:
    """None for what the subset leaves to sqlglot: empty names, `#` (temporary) tables."""
    schema, table = _unquote(match[1]), _unquote(match[2])
    return (schema, table) if schema and table and not table.startswith("#") else None


def header(match: re.Match[str]) -> tuple[Name, tuple[str, ...]] | None:
    """Table and columns of an INSERT header matched with groups (schema, table, bracketed column
    list), as the subset reads them; None for what it leaves to sqlglot (empty names, `#`)."""
    table = _table(match)
    columns = tuple(_unquote(n) for n in _NAMES.findall(match[3]))
    return (table, columns) if table is not None and all(columns) else None


def _insert_head(text: str, position: int) -> tuple[Name, tuple[str, ...], int] | None:
    match = _INSERT.match(text, position)
    found = header(match) if match else None
    return (*found, match.end()) if match and found else None


def _fast_insert(text: str, position: int) -> tuple[Statement, int] | None:
    head = _insert_head(text, position)
    if head is None:
        return None
    table, columns, position = head
    # Most batches end with their one INSERT: all its rows in one `findall` up to the batch's
    # last `;`; when that is not the INSERT's end (more statements follow), row by row.
    end = text.rfind(";") + 1
    found = _rows(len(columns)).findall(text, position, end)
    rows: list[Row] = found if len(columns) > 1 else [(cell,) for cell in found]
    if rows and rows[-1][0]:
        return Insert(table, columns, rows), end
    row = _row(len(columns))
    rows = []
    while True:
        match = row.match(text, position)
        if match is None:
            return None
        rows.append(match.groups())
        position = match.end()
        if text[position - 1] == ";":
            return Insert(table, columns, rows), position


def _fast_update(text: str, start: int) -> tuple[Statement, int] | None:
    head = _UPDATE.match(text, start)
    table = _table(head) if head else None
    if head is None or table is None:
        return None
    sets, position = _assignments(text, head.end(), ", ", " WHERE ")
    if sets is None:
        return None
    where, position = _assignments(text, position, " AND ", ";")
    if where is None:
        return None
    return Update(table, sets, where, text[start : position - 1]), position


def _assignments(
    text: str, position: int, separator: str, end: str
) -> tuple[tuple[tuple[str, Cell], ...] | None, int]:
    """`[c] = v` pairs joined by `separator` up to and including `end`."""
    pairs: list[tuple[str, Cell]] = []
    while True:
        match = _ASSIGNMENT.match(text, position)
        if match is None or not _unquote(match[1]):
            return None, position
        pairs.append((_unquote(match[1]), match[2]))
        position = match.end()
        if text.startswith(end, position):
            return tuple(pairs), position + len(end)
        if not text.startswith(separator, position):
            return None, position
        position += len(separator)


# ---- sqlglot's path -----------------------------------------------------------------------------
#
# Only this path imports sqlglot (in each function that needs it): a script the fast reader reads
# whole never loads it.

# The guard as sqlglot's path recognises it (sqlglot cannot parse THROW): a batch that also holds
# a data statement is never taken for a guard.
GUARD_BATCH = re.compile(r"^\s*IF\s+EXISTS\s*\(.*\)\s*THROW\b.*$", re.I | re.S)
DATA_STATEMENT = re.compile(r"^\s*(INSERT|UPDATE|DELETE|MERGE|TRUNCATE)\b", re.I | re.M)


def sqlglot_statements(text: str) -> list[Statement]:
    """A batch read by sqlglot's T-SQL parser, as the fast reader's statements (the reference
    the property tests hold the fast path to, and the path for anything outside the subset)."""
    code = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("--"))
    if not code.strip():
        return []
    if GUARD_BATCH.match(code) and not DATA_STATEMENT.search(code):
        guard = re.match(rf"\s*IF EXISTS \(SELECT 1 FROM {_TABLE}\)", code)
        return [Guard(_table(guard) if guard else None)]
    import sqlglot
    from sqlglot import exp

    try:
        with quiet_sqlglot():
            parsed = sqlglot.parse(text, read="tsql")
    except sqlglot.errors.SqlglotError as error:
        raise UnreadableBatch(str(error).splitlines()[0]) from None
    # A comment after the last `;` comes back as an empty statement holding it.
    return [_converted(n) for n in parsed if n is not None and not isinstance(n, exp.Semicolon)]


def _converted(node: exp.Expr) -> Statement:
    from sqlglot import exp

    if isinstance(node, exp.Insert):
        insert = _insert(node)
        if insert is not None:
            return insert
    if isinstance(node, exp.Update):
        update = _update(node)
        if update is not None:
            return update
    shown_sql = str(node.sql(dialect="tsql"))
    if isinstance(node, exp.Set) or (isinstance(node, exp.Command) and node.name.upper() == "SET"):
        return Setting(shown_sql)
    return Other(shown_sql)


def _name(node: exp.Expr) -> Name | None:
    from sqlglot import exp

    table = node.this if isinstance(node, exp.Schema) else node
    if not isinstance(table, exp.Table) or not table.db:
        return None
    return (str(table.db), str(table.name))


def _insert(node: exp.Insert) -> Insert | None:
    from sqlglot import exp

    table = _name(node.this)
    values = node.expression
    if table is None or not isinstance(node.this, exp.Schema) or not isinstance(values, exp.Values):
        return None
    columns = tuple(str(c.name) for c in node.this.expressions)
    rows: list[Row] = [
        tuple(tokens(cell) for cell in (row.expressions if isinstance(row, exp.Tuple) else [row]))
        for row in values.expressions
    ]
    return Insert(table, columns, rows)


def _is_assignment(node: exp.Expr) -> bool:
    from sqlglot import exp

    return isinstance(node, exp.EQ) and isinstance(node.this, exp.Column)


def _pairs(nodes: Sequence[exp.Expr]) -> tuple[tuple[str, Cell], ...]:
    return tuple((str(n.this.name), tokens(n.expression)) for n in nodes)


def _update(node: exp.Update) -> Update | None:
    from sqlglot import exp

    table = _name(node.this)
    sets = node.expressions
    if table is None or not sets or not all(_is_assignment(s) for s in sets):
        return None
    where = node.args.get("where")
    terms = (
        (list(where.this.flatten()) if isinstance(where.this, exp.And) else [where.this])
        if isinstance(where, exp.Where)
        else []
    )
    pairs = _pairs(terms) if terms and all(_is_assignment(t) for t in terms) else None
    return Update(table, _pairs(sets), pairs, node)

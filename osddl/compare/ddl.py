"""Compare our SSDT emission with another tool's DDL (`doit dmm_compare`, spec 03).

Operators already have DDL from their current migration tool ("DMM"). Both sides are read the same
way: split on `GO`, parse each batch with sqlglot's T-SQL dialect, and reduce every table to its
*shape* (columns, types, nullability, primary key, foreign keys, unique keys). Comparing shapes
rather than text makes formatting, quoting, casing, constraint names and storage clauses irrelevant;
only what a deployed schema would enforce counts as drift.
"""

from __future__ import annotations

import itertools
import re
import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlglot import Token, TokenType, exp
from sqlglot.dialects.dialect import Dialect
from sqlglot.errors import ParseError, TokenError

from osddl.errors import InputError
from osddl.io import write_json
from osddl.tsql.read import quiet_sqlglot, split_batches
from osddl.tsql.types import ALIASES, DEFAULT_ARGS, SQLSERVER_TYPES

SCHEMA_VERSION = "osddl.dmm-diff/1"

_TSQL = Dialect.get_or_raise("tsql")
_SQLCMD = re.compile(r"^\s*:[A-Za-z]+\b")  # `:r file`, `:setvar x y` (SQLCMD mode, not T-SQL)
_UNCLOSED = re.compile(r"Missing (\S+) from \d+:(\d+)")
_FIX = "fix the DDL or exclude the file"

# Batches that define code, not tables: their bodies are arbitrary T-SQL we need not parse
# (CREATE TRIGGER etc. must be the first statement of a batch, so skipping the batch is exact).
_CODE_OBJECTS = frozenset({"TRIGGER", "PROCEDURE", "PROC", "FUNCTION", "VIEW"})
# Tokens that only matter to physical storage or replication, which sqlglot rejects or turns into an
# opaque Command (losing the whole table): dropped before parsing, never part of a shape.
_STORAGE_ONLY = frozenset({"ROWGUIDCOL", "SPARSE", "FILESTREAM"})
_STORAGE_WITH_ARG = frozenset({"TEXTIMAGE_ON", "FILESTREAM_ON"})
_INDEX_KIND = frozenset({"CLUSTERED", "NONCLUSTERED"})
_KEY_TOKENS = frozenset({TokenType.PRIMARY_KEY, TokenType.UNIQUE})
_SORT_TOKENS = frozenset({TokenType.ASC, TokenType.DESC})
# A Command holding one of these would silently lose keys or a table: refuse it instead.
_SHAPE_TOKENS = frozenset(
    {TokenType.PRIMARY_KEY, TokenType.FOREIGN_KEY, TokenType.REFERENCES, TokenType.UNIQUE}
)

# sqlglot type name → SQL Server spelling, where they differ.
_TYPE_NAMES = {
    "UTINYINT": "tinyint",
    "UUID": "uniqueidentifier",
    "TIMESTAMPTZ": "datetimeoffset",
    "VARIANT": "sql_variant",
}
# SQL Server's implicit arguments (`datetime2` == `datetime2(7)`, `decimal` == `decimal(18,0)`) for
# the types whose arguments a declaration may leave out; money's are fixed, never written.
_DEFAULT_ARGS: dict[str, tuple[str, ...]] = {
    name: tuple(str(arg) for arg in args)
    for name, args in DEFAULT_ARGS.items()
    if SQLSERVER_TYPES[name]
}


@dataclass(frozen=True)
class ColumnShape:
    """A column as a deployed table enforces it: normalised type text and nullability."""

    type: str
    nullable: bool


@dataclass(frozen=True, order=True)
class ForeignKeyShape:
    """Keyed by the referencing columns; names differ between tools, so they are not compared."""

    columns: tuple[str, ...]
    references: str
    referenced_columns: tuple[str, ...]
    on_delete: str

    def describe(self) -> dict[str, Any]:
        return {
            "references": self.references,
            "referencedColumns": list(self.referenced_columns),
            "onDelete": self.on_delete,
        }


@dataclass(frozen=True)
class TableShape:
    """Everything the comparison looks at for one table; names are lower-case, lists sorted."""

    name: str
    source: str
    columns: dict[str, ColumnShape]
    primary_key: tuple[str, ...]
    foreign_keys: tuple[ForeignKeyShape, ...]
    unique: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class _Batch:
    """One GO-separated batch: where it starts, its text and the tokens we let sqlglot parse."""

    file: Path
    line: int
    text: str
    tokens: list[Token]
    token_at: dict[int, int]

    def where(self, line: int | None) -> str:
        return f"{self.file}:{self.line + (line or 1) - 1}"

    def word_after(self, node: exp.Expr) -> str:
        """The source word following `node` (a column name): its type as the author spelled it."""
        index = self.token_at.get(node.meta.get("start", -1))
        if index is None or index + 1 >= len(self.tokens):
            return ""
        return self.tokens[index + 1].text.lower()


@dataclass
class _Piece:
    """What one statement says about one table: CREATE TABLE opens a table, the rest amend it."""

    table: str
    where: str
    creates: bool
    columns: dict[str, ColumnShape] = field(default_factory=dict)
    primary_key: tuple[str, ...] = ()
    foreign_keys: list[ForeignKeyShape] = field(default_factory=list)
    unique: list[tuple[str, ...]] = field(default_factory=list)

    def merge(self, other: _Piece) -> None:
        self.columns.update(other.columns)
        self.primary_key = other.primary_key or self.primary_key
        self.foreign_keys.extend(other.foreign_keys)
        self.unique.extend(other.unique)

    def freeze(self, primary_keys: Mapping[str, tuple[str, ...]]) -> TableShape:
        """PK columns are NOT NULL; `REFERENCES t` without columns means t's primary key."""
        columns = {
            name: ColumnShape(col.type, col.nullable and name not in self.primary_key)
            for name, col in self.columns.items()
        }
        keys = {
            ForeignKeyShape(
                fk.columns,
                fk.references,
                fk.referenced_columns or primary_keys.get(fk.references, ()),
                fk.on_delete,
            )
            for fk in self.foreign_keys
        }
        unique = tuple(sorted(set(self.unique)))
        return TableShape(
            self.table, self.where, columns, self.primary_key, tuple(sorted(keys)), unique
        )


# ---------------------------------------------------------------------------------------------
# Reading DDL
# ---------------------------------------------------------------------------------------------


def read_ddl(path: Path) -> dict[str, TableShape]:
    """Shapes of every table a `.sql` file (or a folder of them, recursively) creates.

    Constraints and indexes may live in any file (`ALTER TABLE` scripts after the tables), so all
    statements are collected first and applied to the tables afterwards.
    """
    pieces: list[_Piece] = []
    with quiet_sqlglot():
        for file in _sql_files(path):
            for batch in _batches(file):
                for statement in _parse(batch):
                    pieces.extend(_pieces(statement, batch))
    return _assemble(pieces)


def _sql_files(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise InputError(f"{path}: not found; point at a DDL script or a folder of .sql files")
    files = sorted((p for p in path.rglob("*.sql") if p.is_file()), key=lambda p: p.as_posix())
    if not files:
        raise InputError(f"{path}: no .sql files in this folder; point at the DDL scripts")
    return files


def _read_text(file: Path) -> str:
    """SSMS saves scripts as UTF-16 by default; anything else must be UTF-8."""
    try:
        data = file.read_bytes()
    except OSError as exc:
        raise InputError(f"{file}: cannot read ({exc.strerror}); check the path") from None
    encoding = "utf-16" if data.startswith((b"\xff\xfe", b"\xfe\xff")) else "utf-8-sig"
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{file}: not {encoding} text (byte {exc.start}); save it as UTF-8"
        ) from None


def _batches(file: Path) -> Iterator[_Batch]:
    """Split on lines that are exactly `GO`; SQLCMD lines become blank so line numbers stay true."""
    lines = ("" if _SQLCMD.match(line) else line for line in _read_text(file).splitlines())
    for batch in split_batches(lines):
        yield _batch(file, batch.line, batch.text)


def _batch(file: Path, line: int, text: str) -> _Batch:
    try:
        tokens = _keep(_TSQL.tokenize(text))
    except TokenError as exc:
        raise InputError(_token_message(file, line, text, exc)) from None
    return _Batch(file, line, text, tokens, {tok.start: i for i, tok in enumerate(tokens)})


def _token_message(file: Path, line: int, text: str, exc: TokenError) -> str:
    """Point at the opening quote, bracket or comment that never closes.

    sqlglot says "Missing ' from <line>:<offset of the opener>" in the chained error; without it,
    fall back to the text where the tokenizer stopped.
    """
    found = _UNCLOSED.search(str(exc.__cause__ or ""))
    if found:
        offset, near, why = int(found.group(2)), found.group(1), " (never closed)"
    else:
        offset = int(getattr(exc, "start", 0) or 0)
        near, why = " ".join(text[offset:].split())[:40], ""
    where = line + text.count("\n", 0, offset)
    return f"{file}:{where}: cannot parse near {near!r}{why}; {_FIX}"


def _keep(tokens: list[Token]) -> list[Token]:
    """Drop storage-only syntax sqlglot cannot read; it never affects a table's shape."""
    kept: list[Token] = []
    i = 0
    while i < len(tokens):
        skip = _storage_span(tokens, i)
        if not skip:
            kept.append(tokens[i])
        i += max(skip, 1)
    return kept


def _storage_span(tokens: list[Token], i: int) -> int:
    """How many tokens from `i` on are storage-only syntax (0: keep the token)."""
    tok = tokens[i]
    word = tok.text.upper() if tok.token_type == TokenType.VAR else ""
    before = tokens[i - 1].token_type if i else None
    after = tokens[i + 1].token_type if i + 1 < len(tokens) else None
    if word in _STORAGE_ONLY and before not in (TokenType.L_PAREN, TokenType.COMMA):
        return 1
    if word in _STORAGE_WITH_ARG:
        return 2
    if word in _INDEX_KIND and before in _KEY_TOKENS:
        return 1  # sqlglot reads `PRIMARY KEY CLUSTERED (..)` into other nodes, or not at all
    if tok.token_type in _SORT_TOKENS and after in (TokenType.COMMA, TokenType.R_PAREN):
        return 1  # `UNIQUE ([a] ASC)`: key column direction is not shape
    if tok.token_type == TokenType.FOREIGN_KEY and after == TokenType.REFERENCES:
        return 1  # column-level `FOREIGN KEY REFERENCES t` is just `REFERENCES t`
    if tok.token_type == TokenType.WITH and _is_check_option(tokens, i):
        return 2  # `ALTER TABLE t WITH NOCHECK ADD`: trust is not shape
    if tok.token_type == TokenType.WITH and after == TokenType.L_PAREN:
        return 1 + _paren_span(tokens, i + 1)  # `WITH (FILLFACTOR = 80, ...)` storage options
    return 0


def _paren_span(tokens: list[Token], i: int) -> int:
    """Length of the balanced parenthesised group starting at `tokens[i]`."""
    depth = 0
    for j in range(i, len(tokens)):
        depth += {TokenType.L_PAREN: 1, TokenType.R_PAREN: -1}.get(tokens[j].token_type, 0)
        if depth == 0:
            return j - i + 1
    return len(tokens) - i


def _is_check_option(tokens: list[Token], i: int) -> bool:
    """`ALTER TABLE t WITH [NO]CHECK ADD ...`."""
    if i + 2 >= len(tokens):
        return False
    return (
        tokens[i + 1].text.upper() in ("CHECK", "NOCHECK") and tokens[i + 2].text.upper() == "ADD"
    )


def _parse(batch: _Batch) -> list[exp.Expr]:
    if not batch.tokens or _is_code_batch(batch.tokens):
        return []
    try:
        statements = _TSQL.parser().parse(batch.tokens, batch.text)
    except ParseError as exc:
        raise InputError(_parse_message(batch, exc)) from None
    except TokenError as exc:  # the parser re-tokenises some pieces (e.g. bracketed types)
        raise InputError(_token_message(batch.file, batch.line, batch.text, exc)) from None
    return [statement for statement in statements if statement is not None]


def _is_code_batch(tokens: list[Token]) -> bool:
    """CREATE [OR ALTER] TRIGGER/PROCEDURE/FUNCTION/VIEW, ALTER ..., ENABLE/DISABLE TRIGGER."""
    words = [tok.text.upper() for tok in tokens[:4]]
    if words[:3] == ["CREATE", "OR", "ALTER"]:
        words = words[2:]
    if words[0] in ("CREATE", "ALTER"):
        return len(words) > 1 and words[1] in _CODE_OBJECTS
    return words[:2] in (["ENABLE", "TRIGGER"], ["DISABLE", "TRIGGER"])


def _parse_message(batch: _Batch, exc: ParseError) -> str:
    error = exc.errors[0] if exc.errors else {}
    token = error.get("highlight") or "?"
    return f"{batch.where(error.get('line'))}: cannot parse near {token!r}; {_FIX}"


def _pieces(node: exp.Expr, batch: _Batch) -> Iterator[_Piece]:
    """Table facts in one statement; `IF ... CREATE TABLE` guards are looked through."""
    if isinstance(node, exp.IfBlock):
        for branch in (node.args.get("true"), node.args.get("false")):
            if isinstance(branch, exp.Expression):
                yield from _pieces(branch, batch)
    elif isinstance(node, exp.Block):
        for child in node.expressions:
            yield from _pieces(child, batch)
    elif isinstance(node, exp.Create):
        yield from _create(node, batch)
    elif isinstance(node, exp.Alter):
        yield from _alter(node, batch)
    elif isinstance(node, exp.Command):
        _refuse_opaque(node, batch)


def _refuse_opaque(node: exp.Command, batch: _Batch) -> None:
    """Commands are ignored (EXEC, SET, ...) unless they hide a table or key we would lose."""
    text = f"{node.args.get('this') or ''}{node.args.get('expression') or ''}"
    tokens = _TSQL.tokenize(text)
    creates_table = any(
        a.token_type == TokenType.CREATE and b.token_type == TokenType.TABLE
        for a, b in itertools.pairwise(tokens)
    )
    if not creates_table and not any(tok.token_type in _SHAPE_TOKENS for tok in tokens):
        return
    offset = max(batch.text.find(text), 0)
    head = text[: tokens[min(len(tokens), 3) - 1].end + 1] if tokens else text
    raise InputError(
        f"{batch.where(batch.text.count(chr(10), 0, offset) + 1)}: cannot parse near {head!r} "
        f"(sqlglot reads this statement only as opaque text, so its table or key would be lost); "
        f"{_FIX}"
    )


def _create(node: exp.Create, batch: _Batch) -> Iterator[_Piece]:
    kind = str(node.args.get("kind") or "").upper()
    target = node.this
    if kind == "TABLE" and isinstance(target, exp.Schema) and isinstance(target.this, exp.Table):
        if not _is_temporary(target.this):
            piece = _piece(target.this, batch, creates=True)
            for item in target.expressions:
                _add(piece, item, batch)
            yield piece
    elif kind.endswith("INDEX") and node.args.get("unique") and isinstance(target, exp.Index):
        table = target.args.get("table")
        params = target.args.get("params")
        if isinstance(table, exp.Table) and isinstance(params, exp.IndexParameters):
            piece = _piece(table, batch, creates=False)
            piece.unique.append(_sorted_names(params.args.get("columns") or []))
            yield piece


def _alter(node: exp.Alter, batch: _Batch) -> Iterator[_Piece]:
    """ADD column / ADD CONSTRAINT amend a table; ALTER COLUMN is a change script, not a shape."""
    if str(node.args.get("kind") or "").upper() == "TABLE" and isinstance(node.this, exp.Table):
        piece = _piece(node.this, batch, creates=False)
        for action in node.args.get("actions") or []:
            _add(piece, action, batch)
        yield piece


def _is_temporary(table: exp.Table) -> bool:
    ident = table.this
    return bool(ident.args.get("temporary") or ident.args.get("global_") or table.name[:1] == "#")


def _piece(table: exp.Table, batch: _Batch, *, creates: bool) -> _Piece:
    return _Piece(_table_key(table), batch.where(table.this.meta.get("line")), creates)


def _table_key(table: exp.Table) -> str:
    """`[Sales].[Order]` → `sales.order`; no schema means dbo. Names are case-folded, as
    everywhere in osddl (`Größe` → `grösse`): the load looks the model's names up here."""
    return f"{table.db or 'dbo'}.{table.name}".casefold()


def _add(piece: _Piece, item: exp.Expr, batch: _Batch) -> None:
    """One element of a CREATE TABLE body or an ALTER TABLE action."""
    if isinstance(item, exp.ColumnDef):
        _add_column(piece, item, batch)
    elif isinstance(item, (exp.Constraint, exp.AddConstraint)):
        for sub in item.expressions:
            _add(piece, sub, batch)
    elif isinstance(item, exp.PrimaryKey):
        piece.primary_key = tuple(_name(col) for col in item.expressions)
    elif isinstance(item, exp.ForeignKey):
        columns = tuple(_name(col) for col in item.expressions)
        piece.foreign_keys.append(_foreign_key(columns, item.args.get("reference"), item))
    elif isinstance(item, exp.UniqueColumnConstraint) and isinstance(item.this, exp.Schema):
        piece.unique.append(_sorted_names(item.this.expressions))


def _add_column(piece: _Piece, node: exp.ColumnDef, batch: _Batch) -> None:
    """Nullable unless NOT NULL, IDENTITY or PRIMARY KEY (SQL Server's defaults)."""
    name = node.name.casefold()
    not_null = False
    for constraint in node.constraints:
        kind = constraint.args.get("kind")
        if isinstance(kind, exp.NotNullColumnConstraint):
            not_null = not kind.args.get("allow_null")
        elif isinstance(kind, exp.GeneratedAsIdentityColumnConstraint):
            not_null = True
        elif isinstance(kind, exp.PrimaryKeyColumnConstraint):
            piece.primary_key = (name,)
        elif isinstance(kind, exp.UniqueColumnConstraint):
            piece.unique.append((name,))
        elif isinstance(kind, exp.Reference):
            piece.foreign_keys.append(_foreign_key((name,), kind, None))
    piece.columns[name] = ColumnShape(_column_type(node, batch), not not_null)


def _foreign_key(
    columns: tuple[str, ...], reference: Any, fk: exp.ForeignKey | None
) -> ForeignKeyShape:
    """Target table and columns (none: its primary key, filled in later) and the ON DELETE rule."""
    if not isinstance(reference, exp.Reference):
        return ForeignKeyShape(columns, "?", (), "no action")
    target, referenced = reference.this, tuple[str, ...]()
    if isinstance(target, exp.Schema):
        target, referenced = target.this, tuple(_name(col) for col in target.expressions)
    table = _table_key(target) if isinstance(target, exp.Table) else "?"
    options = list(reference.args.get("options") or [])
    if fk is not None and fk.args.get("delete"):  # older sqlglot versions keep the rule on the FK
        options.append(f"ON DELETE {fk.args['delete']}")
    return ForeignKeyShape(columns, table, referenced, _on_delete(options))


def _on_delete(options: Sequence[Any]) -> str:
    for option in options:
        text = " ".join(str(option).upper().split())
        if text.startswith("ON DELETE "):
            return text.removeprefix("ON DELETE ").lower()
    return "no action"


def _name(node: exp.Expr) -> str:
    while isinstance(node, exp.Ordered):
        node = node.this
    return node.name.casefold()


def _sorted_names(nodes: Sequence[exp.Expr]) -> tuple[str, ...]:
    """Uniqueness does not depend on column order, so unique keys compare as sorted tuples."""
    return tuple(sorted(_name(node) for node in nodes))


def _column_type(node: exp.ColumnDef, batch: _Batch) -> str:
    """Lower-case SQL Server spelling with implicit arguments made explicit: `decimal(18,4)`."""
    kind = node.args.get("kind")
    if not isinstance(kind, exp.DataType):
        return "computed"
    name = _type_name(kind, batch.word_after(node.this))
    given = tuple(param.sql(dialect="tsql").lower() for param in kind.expressions)
    args = given + _DEFAULT_ARGS.get(name, ())[len(given) :]
    if name == "float" and args and args[0].isdigit():
        return "real" if int(args[0]) <= 24 else "float"  # SQL Server has only these two sizes
    text = f"{name}({','.join(args)})" if args else name
    return ALIASES.get(text, text)


def _type_name(kind: exp.DataType, source_word: str) -> str:
    """sqlglot folds `real` into FLOAT and `ntext` into TEXT; the source word tells them apart."""
    dtype = kind.this.value if isinstance(kind.this, exp.DataType.Type) else str(kind.this)
    if kind.this == exp.DataType.Type.USERDEFINED:
        return str(kind.args.get("kind") or "").lower()
    if dtype in ("FLOAT", "TEXT") and source_word in ("real", "ntext"):
        return source_word
    return _TYPE_NAMES.get(dtype, dtype.lower())


def _assemble(pieces: list[_Piece]) -> dict[str, TableShape]:
    """Open every created table, then apply ALTER/INDEX pieces; those for unknown tables drop."""
    tables: dict[str, _Piece] = {}
    for piece in pieces:
        if not piece.creates:
            continue
        if piece.table in tables:
            first = tables[piece.table].where
            raise InputError(
                f"{piece.where}: table {piece.table} is created again (first at {first}); "
                "keep one definition"
            )
        tables[piece.table] = piece
    for piece in pieces:
        if not piece.creates and piece.table in tables:
            tables[piece.table].merge(piece)
    primary_keys = {name: table.primary_key for name, table in tables.items()}
    return {name: tables[name].freeze(primary_keys) for name in sorted(tables)}


# ---------------------------------------------------------------------------------------------
# Comparing
# ---------------------------------------------------------------------------------------------


def compare(expected: dict[str, TableShape], actual: dict[str, TableShape]) -> dict[str, Any]:
    """JSON-ready diff of our shapes (`expected`) against theirs (`actual`).

    Foreign keys and unique keys are compared only when their DDL has any at all: many tools
    script keys separately, and a side without any would otherwise drown the real drift.
    """
    ours, theirs = _folded_keys(expected), _folded_keys(actual)
    compared = {
        "foreignKeys": any(table.foreign_keys for table in theirs.values()),
        "uniqueKeys": any(table.unique for table in theirs.values()),
    }
    tables: dict[str, Any] = {}
    for name in sorted(ours.keys() & theirs.keys()):
        drift = _table_drift(ours[name], theirs[name], compared)
        if drift:
            tables[name] = drift
    missing = sorted(ours.keys() - theirs.keys())
    extra = sorted(theirs.keys() - ours.keys())
    return {
        "schemaVersion": SCHEMA_VERSION,
        "match": not (missing or extra or tables),
        "compared": compared,
        "summary": {
            "oursTables": len(ours),
            "theirsTables": len(theirs),
            "commonTables": len(ours.keys() & theirs.keys()),
            "tablesWithDrift": len(tables),
        },
        "missingTables": missing,
        "extraTables": extra,
        "tables": tables,
    }


def _folded_keys(tables: Mapping[str, TableShape]) -> dict[str, TableShape]:
    return {name.casefold(): table for name, table in tables.items()}


def _table_drift(
    ours: TableShape, theirs: TableShape, compared: Mapping[str, bool]
) -> dict[str, Any]:
    """All drift of one common table, or {} when the shapes agree."""
    mine = {name.casefold(): col for name, col in ours.columns.items()}
    other = {name.casefold(): col for name, col in theirs.columns.items()}
    common = sorted(mine.keys() & other.keys())
    drift: dict[str, Any] = {
        "columnsOnlyOurs": sorted(mine.keys() - other.keys()),
        "columnsOnlyTheirs": sorted(other.keys() - mine.keys()),
        "typeDrift": [
            {"column": c, "ours": mine[c].type, "theirs": other[c].type}
            for c in common
            if mine[c].type != other[c].type
        ],
        "nullabilityDrift": [
            {"column": c, "ours": _null(mine[c]), "theirs": _null(other[c])}
            for c in common
            if mine[c].nullable != other[c].nullable
        ],
        "primaryKeyDrift": _pk_drift(ours.primary_key, theirs.primary_key),
        "foreignKeyDrift": _fk_drift(ours, theirs) if compared["foreignKeys"] else [],
        "uniqueDrift": _unique_drift(ours, theirs) if compared["uniqueKeys"] else [],
    }
    return drift if any(drift.values()) else {}


def _null(column: ColumnShape) -> str:
    return "NULL" if column.nullable else "NOT NULL"


def _pk_drift(ours: tuple[str, ...], theirs: tuple[str, ...]) -> list[dict[str, Any]]:
    """Order matters: it is the clustered key order."""
    mine, other = [c.casefold() for c in ours], [c.casefold() for c in theirs]
    return [] if mine == other else [{"ours": mine, "theirs": other}]


def _fk_drift(ours: TableShape, theirs: TableShape) -> list[dict[str, Any]]:
    """Keyed by referencing columns, so a changed target or ON DELETE shows as one entry."""
    mine, other = _fk_by_columns(ours), _fk_by_columns(theirs)
    return [
        {"columns": list(columns), "ours": mine.get(columns, []), "theirs": other.get(columns, [])}
        for columns in sorted(mine.keys() | other.keys())
        if mine.get(columns) != other.get(columns)
    ]


def _fk_by_columns(table: TableShape) -> dict[tuple[str, ...], list[dict[str, Any]]]:
    grouped: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for fk in sorted(table.foreign_keys):
        grouped.setdefault(fk.columns, []).append(fk.describe())
    return grouped


def _unique_drift(ours: TableShape, theirs: TableShape) -> list[dict[str, Any]]:
    mine, other = set(ours.unique), set(theirs.unique)
    entries = [(cols, "ours") for cols in mine - other]
    entries += [(cols, "theirs") for cols in other - mine]
    return [{"columns": list(cols), "onlyIn": side} for cols, side in sorted(entries)]


# ---------------------------------------------------------------------------------------------
# Task entry point
# ---------------------------------------------------------------------------------------------


def run_compare(ours: Path, theirs: Path, out_file: Path) -> int:
    """Exit code 0 on a match, 2 on drift, 1 when either side cannot be read (nothing written)."""
    try:
        expected, actual = read_ddl(ours), read_ddl(theirs)
    except InputError as exc:
        print(f"dmm_compare: {exc}", file=sys.stderr)
        return 1
    diff = compare(expected, actual)
    write_json(out_file, diff)
    print(_summary(diff, out_file))
    return 0 if diff["match"] else 2


def _summary(diff: Mapping[str, Any], out_file: Path) -> str:
    counts = diff["summary"]
    if diff["match"]:
        return f"dmm_compare: match, {counts['commonTables']} tables agree → {out_file}"
    return (
        f"dmm_compare: drift, {len(diff['missingTables'])} tables missing from theirs, "
        f"{len(diff['extraTables'])} only in theirs, {counts['tablesWithDrift']} of "
        f"{counts['commonTables']} common tables differ → {out_file}"
    )

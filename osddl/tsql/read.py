"""Reading T-SQL: the literal reader, the one batch splitter (one `GO` rule), quiet sqlglot.

The literal reader shares no code with the writer (`osddl.tsql.write`): it reads with sqlglot's
T-SQL parser, so tests and proofs can show `parse_literal(literal(v, t), t) == normalise(v, t)`
without trusting the renderer. Reading is tokenising (`tokens`: a sqlglot node into `Operand`s)
then the per-type readers (`read_tokens`), which the fast script reader `osddl.tsql.scan` shares
with its own tokeniser. Scripts are split with `split_batches` (the one GO rule); sqlglot is
silenced with `quiet_sqlglot`.
"""

from __future__ import annotations

import datetime as dt
import itertools
import logging
import re
import reprlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import TYPE_CHECKING, Final, NamedTuple

from osddl.tsql.types import KINDS, SqlType, literal_kind

# sqlglot is imported by the functions that handle its nodes: splitting batches and the fast
# reader (`osddl.tsql.scan`) never load it.
if TYPE_CHECKING:
    from sqlglot import exp

# ---- batches ----------------------------------------------------------------------------------

# The batch separator: a line holding only `GO` (any case, surrounding blanks; SSMS-saved scripts
# sometimes write `GO ;`).
_GO = r"[ \t]*go[ \t]*;?[ \t]*"
GO_LINE = re.compile(rf"^{_GO}$", re.IGNORECASE)


class Batch(NamedTuple):
    number: int  # 1-based, in file order
    line: int  # line number of the batch's first line
    text: str  # its lines joined with LF, without the GO line


INCLUDE_LINE: Final = re.compile(r'^:r\s+(?:"(?P<quoted>[^"]+)"|(?P<plain>\S+))\s*$', re.IGNORECASE)


def include_target(line: str) -> str | None:
    """The file a sqlcmd `:r` line includes, as a POSIX path relative to the script
    (`.\\Core\\dbo.A.dynamic.sql` or `".\\My Module\\x.sql"` → `Core/dbo.A.dynamic.sql`);
    None for any other line."""
    found = INCLUDE_LINE.match(line.strip())
    if found is None:
        return None
    target = found["quoted"] or found["plain"]
    return "/".join(p for p in target.replace("\\", "/").split("/") if p not in ("", "."))


def is_go(line: str) -> bool:
    return GO_LINE.match(line.rstrip("\r\n")) is not None


def split_batches(lines: Iterable[str]) -> Iterator[Batch]:
    """GO-separated batches of a script's lines (streamed; each line with or without its LF or
    CRLF, no other line break inside); a last batch without GO is yielded only when it holds more
    than blanks."""
    source = iter(lines)
    pieces = ("".join([line.rstrip("\r\n") + "\n" for line in group]) for group in _groups(source))
    return split_text(pieces)


def _groups(lines: Iterator[str]) -> Iterator[list[str]]:
    while group := list(itertools.islice(lines, 4096)):
        yield group


_GO_LINES: Final = re.compile(rf"\n{_GO}(?=\n)", re.IGNORECASE)  # the LF before, then a GO line


def split_text(pieces: Iterable[str]) -> Iterator[Batch]:
    """`split_batches` of a script's text (LF line ends) given in pieces cut anywhere, as a file
    is read in chunks: one regex search per piece finds its GO lines, not one match per line."""
    held: list[str] = []  # the current batch's complete lines, each ending with LF
    rest: list[str] = []  # the line the pieces so far ended in the middle of
    number, first, line = 1, 1, 1  # the batch's number and first line; the next line's number
    for piece in _ended(pieces):
        if "\n" not in piece:
            rest.append(piece)
            continue
        text = "".join(["\n", *rest, piece])  # the LF that ended the line before
        cut = text.rfind("\n") + 1
        rest = [text[cut:]]
        start = 1
        for go in _GO_LINES.finditer(text, 0, cut):
            held.append(text[start : go.start() + 1])
            line += text.count("\n", start, go.end() + 1)
            yield Batch(number, first, "".join(held)[:-1])
            held, start, number, first = [], go.end() + 1, number + 1, line
        held.append(text[start:cut])
        line += text.count("\n", start, cut)
    whole = "".join(held)
    if whole.strip():
        yield Batch(number, first, whole[:-1])


def _ended(pieces: Iterable[str]) -> Iterator[str]:
    """The pieces, then an LF when the text does not end with one (its last line is a line)."""
    last = "\n"
    for piece in pieces:
        if piece:
            yield piece
            last = piece
    if not last.endswith("\n"):
        yield "\n"


@contextmanager
def quiet_sqlglot() -> Iterator[None]:
    """sqlglot logs every statement it keeps as an opaque Command (`SET IDENTITY_INSERT`, ...);
    callers judge those themselves."""
    logger = logging.getLogger("sqlglot")
    previous = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(previous)


# ---- literals ---------------------------------------------------------------------------------
#
# Reading a literal is two steps: tokenising (a sqlglot node here, a cell of a script's text in
# `osddl.tsql.scan`) into `Operand`s, then the per-type reading below, shared by both.


class Operand(NamedTuple):
    """One operand of a literal's `+` chain, tokenised, whatever parser found it.

    form: `null`, `number` (text with its sign), `string` ('..'), `national` (N'..'), `binary`
    (hex digits of 0x..), `char` / `nchar` (CHAR(n) / NCHAR(n): `inner` holds n), `cast` (CAST(x AS
    type): `text` is the type upper-cased, `inner` holds x) or `other` (anything else). `text` is
    the value without quotes or escapes; `origin` the operand as written (text or a sqlglot node)
    for messages.
    """

    form: str
    text: str
    origin: str | exp.Expr
    inner: tuple[Operand, ...] = ()

    def shown(self) -> str:
        origin = self.origin
        return origin if isinstance(origin, str) else str(origin.sql(dialect="tsql"))


Tokens = tuple[Operand, ...]  # a literal: the operands of its `+` chain, in order


def _describe(sql_type: SqlType) -> str:
    return sql_type.render() if sql_type.name in KINDS else sql_type.name


def parse_literal(text: str, sql_type: SqlType) -> object:
    """Read one rendered literal back into `normalise`'s value, with sqlglot's T-SQL parser.

    An independent reader (it shares no code with the renderer), used by tests and verification to
    prove the scripts hold the exported values. Raises ValueError for anything that is not a literal
    this module would render for the type.
    """
    return read_literal(_select_item(text), sql_type)


def read_literal(node: exp.Expr, sql_type: SqlType) -> object:
    """`parse_literal` for a node sqlglot has parsed already (a VALUES cell of a whole INSERT):
    the same readers, without printing and parsing the text again."""
    return read_tokens(tokens(node), sql_type)


def read_tokens(literal: Tokens, sql_type: SqlType) -> object:
    """The value SQL Server would store from a tokenised literal (`normalise`'s value), for
    either tokeniser; ValueError for anything that is no literal of the type."""
    if len(literal) == 1 and literal[0].form == "null":
        return None
    return _READERS[literal_kind(sql_type)](literal, sql_type)


def tokens(node: exp.Expr) -> Tokens:
    """A sqlglot node as the operands of its `+` chain (sqlglot nests `a + b + c` left)."""
    from sqlglot import exp

    operands: list[Operand] = []
    while isinstance(node, exp.Add):
        operands.append(_operand(node.expression))
        node = node.this
    operands.append(_operand(node))
    return tuple(reversed(operands))


def _operand(node: exp.Expr) -> Operand:
    from sqlglot import exp

    if isinstance(node, exp.Null):
        return Operand("null", "", node)
    if isinstance(node, exp.Neg):
        inner = _operand(node.this)
        return Operand("number", "-" + inner.text, node) if inner.form == "number" else _other(node)
    if isinstance(node, exp.Literal):
        return Operand("string" if node.is_string else "number", str(node.this), node)
    if isinstance(node, exp.National):
        return Operand("national", str(node.this), node)
    if isinstance(node, exp.HexString):
        return Operand("binary", str(node.this), node)
    if isinstance(node, exp.Column) and node.name == "0x":  # sqlglot's reading of a bare `0x`
        return Operand("binary", "", node)
    is_nchar = isinstance(node, exp.Anonymous) and node.name.upper() == "NCHAR"
    if (is_nchar or isinstance(node, exp.Chr)) and len(node.expressions) == 1:
        return Operand("nchar" if is_nchar else "char", "", node, tokens(node.expressions[0]))
    if isinstance(node, exp.Cast):
        return Operand("cast", node.to.sql(dialect="tsql").upper(), node, tokens(node.this))
    return _other(node)


def _other(node: exp.Expr) -> Operand:
    return Operand("other", "", node)


def _select_item(text: str) -> exp.Expr:
    """The one expression of `SELECT <text>`; a FROM or a second item means it is no literal."""
    import sqlglot
    from sqlglot import exp

    try:
        tree = sqlglot.parse_one(f"SELECT {text}", read="tsql")
    except sqlglot.errors.SqlglotError as error:
        first_line = str(error).splitlines()[0]
        raise ValueError(f"{reprlib.repr(text)} does not parse as T-SQL: {first_line}") from None
    used = {key for key, value in tree.args.items() if value}
    if not isinstance(tree, exp.Select) or used != {"expressions"} or len(tree.expressions) != 1:
        raise ValueError(f"{reprlib.repr(text)} is not a single literal")
    item: exp.Expr = tree.expressions[0]
    return item


def _not_literal(literal: Tokens, sql_type: SqlType) -> ValueError:
    shown = reprlib.repr(" + ".join(operand.shown() for operand in literal))
    return ValueError(f"{shown} is not a literal for a {_describe(sql_type)} column")


def _single(literal: Tokens, sql_type: SqlType, form: str) -> str:
    """The text of a literal that is one operand of `form`."""
    if len(literal) != 1 or literal[0].form != form:
        raise _not_literal(literal, sql_type)
    return literal[0].text


def _read_bit(literal: Tokens, sql_type: SqlType) -> int:
    value = _single(literal, sql_type, "number")
    if value not in ("0", "1"):
        raise _not_literal(literal, sql_type)
    return int(value)


def _read_integer(literal: Tokens, sql_type: SqlType) -> int:
    value = _single(literal, sql_type, "number")
    if not _INTEGER.fullmatch(value):
        raise _not_literal(literal, sql_type)
    return int(value)


def _read_exact(literal: Tokens, sql_type: SqlType) -> Decimal:
    value = _single(literal, sql_type, "number")
    if not _EXACT.fullmatch(value):
        raise _not_literal(literal, sql_type)
    return Decimal(value)


def _read_float(literal: Tokens, sql_type: SqlType) -> float:
    return float(_single(literal, sql_type, "number"))


def _read_text(literal: Tokens, sql_type: SqlType) -> str:
    """A literal, or a `+` chain starting with CAST('' AS (n)varchar(max))."""
    unicode = KINDS[sql_type.name] == "unicode"
    operands = literal
    if len(operands) > 1:
        _check_max_start(operands[0], unicode, sql_type)
        operands = operands[1:]
    return "".join(_read_text_operand(operand, unicode, sql_type) for operand in operands)


def _check_max_start(operand: Operand, unicode: bool, sql_type: SqlType) -> None:
    wanted = "NVARCHAR(MAX)" if unicode else "VARCHAR(MAX)"
    if operand.form != "cast" or operand.text != wanted or len(operand.inner) != 1:
        raise _not_literal((operand,), sql_type)
    if _read_text_operand(operand.inner[0], unicode, sql_type) != "":
        raise _not_literal((operand,), sql_type)


def _read_text_operand(operand: Operand, unicode: bool, sql_type: SqlType) -> str:
    form = operand.form
    if form == ("national" if unicode else "string"):
        return operand.text
    if form == "nchar" or (form == "char" and not unicode):
        return chr(_read_integer(operand.inner, sql_type))
    raise _not_literal((operand,), sql_type)


def _read_binary(literal: Tokens, sql_type: SqlType) -> bytes:
    return bytes.fromhex(_single(literal, sql_type, "binary"))


def _read_guid(literal: Tokens, sql_type: SqlType) -> str:
    value = _single(literal, sql_type, "string")
    if not re.fullmatch(r"[0-9A-F]{8}(-[0-9A-F]{4}){3}-[0-9A-F]{12}", value):
        raise _not_literal(literal, sql_type)
    return value


def _read_date(literal: Tokens, sql_type: SqlType) -> dt.date:
    return dt.date.fromisoformat(_read_temporal(literal, sql_type))


def _read_temporal(literal: Tokens, sql_type: SqlType) -> str:
    value = _single(literal, sql_type, "string")
    if not TEMPORAL_SHAPES[KINDS[sql_type.name]].fullmatch(value):
        raise _not_literal(literal, sql_type)
    return value


_INTEGER = re.compile(r"-?\d+")
_EXACT = re.compile(r"-?\d+(\.\d+)?")
_DAY = r"\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])"
_TIME = r"([01]\d|2[0-3]):[0-5]\d:[0-5]\d"

# The exact text each date/time type's literal has (written out, not derived from _SHAPES); public:
# the load's whole-column reading (`osddl.load.script`) matches the same shapes.
TEMPORAL_SHAPES: dict[str, re.Pattern[str]] = {
    "date": re.compile(_DAY),
    "time": re.compile(_TIME + r"\.\d{7}"),
    "datetime": re.compile(_DAY + "T" + _TIME + r"\.\d{3}"),
    "datetime2": re.compile(_DAY + "T" + _TIME + r"\.\d{7}"),
    "datetimeoffset": re.compile(_DAY + "T" + _TIME + r"\.\d{7}[+-](0\d|1[0-4]):[0-5]\d"),
}

_Reader = Callable[[Tokens, SqlType], object]

_READERS: dict[str, _Reader] = {
    "bit": _read_bit,
    "integer": _read_integer,
    "exact": _read_exact,
    "approximate": _read_float,
    "ansi": _read_text,
    "unicode": _read_text,
    "binary": _read_binary,
    "guid": _read_guid,
    "date": _read_date,
    "time": _read_temporal,
    "datetime": _read_temporal,
    "datetime2": _read_temporal,
    "datetimeoffset": _read_temporal,
}

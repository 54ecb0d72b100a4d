"""Reading T-SQL: the literal reader, the one batch splitter (one `GO` rule), quiet sqlglot.

The literal reader shares no code with the writer (`osddl.tsql.write`): it reads with sqlglot's
T-SQL parser, so tests and proofs can show `parse_literal(literal(v, t), t) == normalise(v, t)`
without trusting the renderer. The order verifier, the uat-users proof, ddl_compare and the tests'
load harness split scripts with `split_batches` and silence sqlglot with `quiet_sqlglot`.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import reprlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import NamedTuple

import sqlglot
from sqlglot import exp

from osddl.tsql.types import KINDS, SqlType

# ---- batches ----------------------------------------------------------------------------------

# The batch separator: a line holding only `GO` (any case, surrounding blanks; SSMS-saved scripts
# sometimes write `GO ;`).
GO_LINE = re.compile(r"^[ \t]*go[ \t]*;?[ \t]*$", re.IGNORECASE)


class Batch(NamedTuple):
    number: int  # 1-based, in file order
    line: int  # line number of the batch's first line
    text: str  # its lines joined with LF, without the GO line


def is_go(line: str) -> bool:
    return GO_LINE.match(line.rstrip("\r\n")) is not None


def split_batches(lines: Iterable[str]) -> Iterator[Batch]:
    """GO-separated batches of a script's lines (streamed); a last batch without GO is yielded
    only when it holds more than blanks."""
    held: list[str] = []
    number, start = 1, 1
    for index, line in enumerate(lines, start=1):
        if is_go(line):
            yield Batch(number, start, "\n".join(held))
            held, number, start = [], number + 1, index + 1
        else:
            held.append(line.rstrip("\r\n"))
    if "".join(held).strip():
        yield Batch(number, start, "\n".join(held))


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


def _kind(sql_type: SqlType) -> str:
    kind = KINDS.get(sql_type.name)
    if kind is None:
        raise ValueError(f"no data literal exists for a {sql_type.name} column")
    return kind


def _describe(sql_type: SqlType) -> str:
    return sql_type.render() if sql_type.name in KINDS else sql_type.name


def parse_literal(text: str, sql_type: SqlType) -> object:
    """Read one rendered literal back into `normalise`'s value, with sqlglot's T-SQL parser.

    An independent reader (it shares no code with the renderer), used by tests and verification to
    prove the scripts hold the exported values. Raises ValueError for anything that is not a literal
    this module would render for the type.
    """
    return read_literal(_select_item(text), sql_type)


def read_literal(node: exp.Expression, sql_type: SqlType) -> object:
    """`parse_literal` for a node sqlglot has parsed already (a VALUES cell of a whole INSERT):
    the same readers, without printing and parsing the text again."""
    if isinstance(node, exp.Null):
        return None
    return _READERS[_kind(sql_type)](node, sql_type)


def _select_item(text: str) -> exp.Expression:
    """The one expression of `SELECT <text>`; a FROM or a second item means it is no literal."""
    try:
        tree = sqlglot.parse_one(f"SELECT {text}", read="tsql")
    except sqlglot.errors.SqlglotError as error:
        first_line = str(error).splitlines()[0]
        raise ValueError(f"{reprlib.repr(text)} does not parse as T-SQL: {first_line}") from None
    used = {key for key, value in tree.args.items() if value}
    if not isinstance(tree, exp.Select) or used != {"expressions"} or len(tree.expressions) != 1:
        raise ValueError(f"{reprlib.repr(text)} is not a single literal")
    item: exp.Expression = tree.expressions[0]
    return item


def _not_literal(node: exp.Expression, sql_type: SqlType) -> ValueError:
    shown = reprlib.repr(node.sql(dialect="tsql"))
    return ValueError(f"{shown} is not a literal for a {_describe(sql_type)} column")


def _number_text(node: exp.Expression, sql_type: SqlType) -> str:
    if isinstance(node, exp.Neg):
        return "-" + _number_text(node.this, sql_type)
    if isinstance(node, exp.Literal) and not node.is_string:
        return str(node.this)
    raise _not_literal(node, sql_type)


def _read_bit(node: exp.Expression, sql_type: SqlType) -> int:
    value = _number_text(node, sql_type)
    if value not in ("0", "1"):
        raise _not_literal(node, sql_type)
    return int(value)


def _read_integer(node: exp.Expression, sql_type: SqlType) -> int:
    value = _number_text(node, sql_type)
    if not re.fullmatch(r"-?\d+", value):
        raise _not_literal(node, sql_type)
    return int(value)


def _read_exact(node: exp.Expression, sql_type: SqlType) -> Decimal:
    value = _number_text(node, sql_type)
    if not re.fullmatch(r"-?\d+(\.\d+)?", value):
        raise _not_literal(node, sql_type)
    return Decimal(value)


def _read_float(node: exp.Expression, sql_type: SqlType) -> float:
    return float(_number_text(node, sql_type))


def _read_text(node: exp.Expression, sql_type: SqlType) -> str:
    """A literal, or a `+` chain starting with CAST('' AS (n)varchar(max)); sqlglot nests left."""
    operands: list[exp.Expression] = []
    while isinstance(node, exp.Add):
        operands.append(node.expression)
        node = node.this
    operands.append(node)
    operands.reverse()
    unicode = KINDS[sql_type.name] == "unicode"
    if len(operands) > 1:
        _check_max_start(operands.pop(0), unicode, sql_type)
    return "".join(_read_text_operand(operand, unicode, sql_type) for operand in operands)


def _check_max_start(node: exp.Expression, unicode: bool, sql_type: SqlType) -> None:
    wanted = "NVARCHAR(MAX)" if unicode else "VARCHAR(MAX)"
    if not isinstance(node, exp.Cast) or node.to.sql(dialect="tsql").upper() != wanted:
        raise _not_literal(node, sql_type)
    if _read_text_operand(node.this, unicode, sql_type) != "":
        raise _not_literal(node, sql_type)


def _read_text_operand(node: exp.Expression, unicode: bool, sql_type: SqlType) -> str:
    if isinstance(node, exp.National) and unicode:
        return str(node.this)
    if isinstance(node, exp.Literal) and node.is_string and not unicode:
        return str(node.this)
    is_nchar = isinstance(node, exp.Anonymous) and node.name.upper() == "NCHAR"
    if (is_nchar or (isinstance(node, exp.Chr) and not unicode)) and len(node.expressions) == 1:
        return chr(_read_integer(node.expressions[0], sql_type))
    raise _not_literal(node, sql_type)


def _read_binary(node: exp.Expression, sql_type: SqlType) -> bytes:
    """`0xAB..` is a HexString; sqlglot reads a bare `0x` as a column named 0x."""
    if isinstance(node, exp.HexString):
        return bytes.fromhex(str(node.this))
    if isinstance(node, exp.Column) and node.name == "0x":
        return b""
    raise _not_literal(node, sql_type)


def _read_string(node: exp.Expression, sql_type: SqlType) -> str:
    if not (isinstance(node, exp.Literal) and node.is_string):
        raise _not_literal(node, sql_type)
    return str(node.this)


def _read_guid(node: exp.Expression, sql_type: SqlType) -> str:
    value = _read_string(node, sql_type)
    if not re.fullmatch(r"[0-9A-F]{8}(-[0-9A-F]{4}){3}-[0-9A-F]{12}", value):
        raise _not_literal(node, sql_type)
    return value


def _read_date(node: exp.Expression, sql_type: SqlType) -> dt.date:
    return dt.date.fromisoformat(_read_temporal(node, sql_type))


def _read_temporal(node: exp.Expression, sql_type: SqlType) -> str:
    value = _read_string(node, sql_type)
    if not re.fullmatch(_READ_SHAPES[KINDS[sql_type.name]], value):
        raise _not_literal(node, sql_type)
    return value


_DAY = r"\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])"
_TIME = r"([01]\d|2[0-3]):[0-5]\d:[0-5]\d"

# The exact text each date/time type's literal has (written out, not derived from _SHAPES).
_READ_SHAPES: dict[str, str] = {
    "date": _DAY,
    "time": _TIME + r"\.\d{7}",
    "datetime": _DAY + "T" + _TIME + r"\.\d{3}",
    "datetime2": _DAY + "T" + _TIME + r"\.\d{7}",
    "datetimeoffset": _DAY + "T" + _TIME + r"\.\d{7}[+-](0\d|1[0-4]):[0-5]\d",
}

_Reader = Callable[[exp.Expression, SqlType], object]

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

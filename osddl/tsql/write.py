"""Writing T-SQL: identifier quoting, literals, statement scripts.

Every SQL artifact goes through these functions; nothing else builds SQL text by hand.

Literals for data scripts (spec 04, "DynamicData INSERT scripts") are rendered in two steps:
`normalise` turns whatever a reader produced (Arrow, SQLite text, Python objects) into one canonical
Python value per column type, and the renderer prints that value. `osddl.tsql.read.parse_literal`
reads a rendered literal back with sqlglot's T-SQL parser, so tests can prove
`parse_literal(literal(v, t), t) == normalise(v, t)` without trusting the renderer's own code.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import reprlib
import uuid
from collections.abc import Callable, Iterable
from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation
from typing import NamedTuple

from osddl.errors import InputError
from osddl.tsql.types import (
    INTEGER_RANGES,
    KINDS,
    SQLSERVER_TYPES,
    SqlType,
    family,
    literal_kind,
)

# Built-in NULL back-fill values per family (`policy.sentinels` overrides them).
SENTINELS: dict[str, str] = {
    "text": "",
    "number": "0",
    "bit": "0",
    "date": "1900-01-01",
    "time": "00:00:00",
    "datetime": "1900-01-01T00:00:00",
    "guid": "00000000-0000-0000-0000-000000000000",
    "binary": "0x",
}

_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
_HEX = re.compile(r"^0x[0-9A-Fa-f]*$")


# The type table's `rounding` facts of exact types, as decimal.Decimal.quantize modes.
ROUNDING: dict[str, str] = {"half_away_from_zero": ROUND_HALF_UP}

# Text spellings of bit values that SQL Server itself converts.
_BIT_WORDS: dict[str, int] = {"0": 0, "1": 1, "false": 0, "true": 1}


class _TextStyle(NamedTuple):
    quote: str  # opening of a literal
    char: str  # function for one escaped character below 0x80
    max_type: str  # the first operand of a concatenation, so it never truncates at 4000/8000


_TEXT_STYLES: dict[str, _TextStyle] = {
    "ansi": _TextStyle("'", "CHAR", "varchar(max)"),
    "unicode": _TextStyle("N'", "NCHAR", "nvarchar(max)"),
}

# Where a string literal is cut: control characters (sqlcmd reads lines, GO ends a batch), the
# other characters Python's str.splitlines() breaks on (U+0085, U+2028, U+2029), lone surrogates
# (not encodable as UTF-8), and between `$` and `(` (sqlcmd substitutes `$(var)` inside literals).
_CUTS = re.compile("[\x00-\x1f\x85\u2028\u2029\ud800-\udfff]|(?<=\\$)(?=\\()")


class _Shape(NamedTuple):
    day: bool  # the literal starts with YYYY-MM-DD
    digits: int | None  # fractional second digits of hh:mm:ss.f..., None for no clock
    offset: bool  # the literal ends with +hh:mm


# Spec 04: ISO 8601 with `T`, which SQL Server reads the same under any SET LANGUAGE/DATEFORMAT.
_SHAPES: dict[str, _Shape] = {
    "date": _Shape(day=True, digits=None, offset=False),
    "time": _Shape(day=False, digits=7, offset=False),
    "datetime": _Shape(day=True, digits=3, offset=False),
    "datetime2": _Shape(day=True, digits=7, offset=False),
    "datetimeoffset": _Shape(day=True, digits=7, offset=True),
}

# Date/time text as SQLite and CSV files hold it: `YYYY-MM-DD[ T]hh:mm[:ss[.f{1,7}]][Z|±hh[:]mm]`.
_MOMENT = re.compile(
    r"(?:(?P<day>\d{4}-\d{2}-\d{2})[T ]?)?"
    r"(?:(?P<hour>\d{2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:\.(?P<fraction>\d{1,7}))?)?)?"
    r"\s*(?P<offset>Z|[+-]\d{2}:?\d{2})?"
)
_TICKS = 10**7  # 100 ns units per second: SQL Server's finest time precision
_MAX_OFFSET = 14 * 60  # minutes; datetimeoffset allows -14:00..+14:00


def quote(name: str) -> str:
    """`My]Table` → `[My]]Table]`."""
    return "[" + name.replace("]", "]]") + "]"


def include(relative: str) -> str:
    """The operand of a sqlcmd `:r` line for a file relative to the script (POSIX path in):
    `.\\Folder\\file.sql`, in double quotes when the name has a space (sqlcmd splits there)."""
    target = ".\\" + relative.replace("/", "\\")
    return f'"{target}"' if any(c.isspace() for c in target) else target


def qualified(schema: str, name: str) -> str:
    return f"{quote(schema)}.{quote(name)}"


def string(value: str) -> str:
    """A Unicode string literal with quotes doubled."""
    return "N'" + value.replace("'", "''") + "'"


def typed_literal(value: str, sql_type: str, where: str) -> str:
    """An operator-given value (text) as a literal of the column's type family."""
    kind = family(sql_type)
    if kind in ("number", "bit"):
        if not _NUMBER.match(value) or (kind == "bit" and value not in ("0", "1")):
            raise InputError(f"{where}: {value!r} is not a valid {kind} for a {sql_type} column")
        return value
    if kind == "binary":
        if not _HEX.match(value):
            raise InputError(f"{where}: {value!r} is not a 0x... binary value")
        return value
    return string(value) if kind == "text" else "'" + value.replace("'", "''") + "'"


def script(header: Iterable[str], statements: Iterable[str]) -> str:
    """Comment header lines, then one statement per paragraph; LF and a trailing newline."""
    lines = [f"-- {h}" if h else "--" for h in header]
    body = [s.rstrip().rstrip(";") + ";" for s in statements]
    return "\n".join(lines) + "\n" + ("\n" + "\n\n".join(body) + "\n" if body else "")


# --- data literals ---------------------------------------------------------------------------


def literal(value: object, sql_type: SqlType) -> str:
    """One value as a T-SQL literal of the column's type (spec 04); `NULL` for None.

    The text always stays on one line and never contains `$(`, so sqlcmd runs it unchanged.
    Raises ValueError when the value cannot be a value of the type (naming both).
    """
    if value is None:
        return "NULL"
    kind = literal_kind(sql_type)
    return _RENDERERS[kind](_NORMALISERS[kind](value, sql_type), kind)


def normalise(value: object, sql_type: SqlType) -> object:
    """The canonical Python value `literal` renders and `parse_literal` returns for this type.

    None → None; bit → 0/1; integers → int; decimal/numeric/money → Decimal at the column's scale
    (never -0); float/real → float; text → str; binary → bytes; uniqueidentifier → upper-case str;
    date → datetime.date; time/datetime/smalldatetime/datetime2/datetimeoffset → the literal's text
    (`hh:mm:ss.fffffff`, `YYYY-MM-DDThh:mm:ss.fff`, `...ss.fffffff`, `...ss.fffffff+hh:mm`), because
    Python's datetime cannot hold SQL Server's 100 ns.
    """
    if value is None:
        return None
    kind = literal_kind(sql_type)
    return _NORMALISERS[kind](value, sql_type)


def _describe(sql_type: SqlType) -> str:
    return sql_type.render() if sql_type.name in SQLSERVER_TYPES else sql_type.name


def _unfit(value: object, sql_type: SqlType, why: str = "") -> ValueError:
    reason = f" ({why})" if why else ""
    return ValueError(
        f"{reprlib.repr(value)} is not a value for a {_describe(sql_type)} column{reason}"
    )


# Normalisers: convert and validate, so that rendering is plain printing.


def _bit(value: object, sql_type: SqlType) -> int:
    """Any non-zero number is 1 and 'true'/'false' are words, as SQL Server converts them."""
    word = value.strip().lower() if isinstance(value, str) else None
    if word in _BIT_WORDS:
        return _BIT_WORDS[word]
    if isinstance(value, int | float | Decimal) and math.isfinite(value):
        return int(value != 0)
    raise _unfit(value, sql_type)


def _integer(value: object, sql_type: SqlType) -> int:
    number = _whole(value)
    low, high = INTEGER_RANGES[sql_type.name]
    if number is None or not low <= number <= high:
        raise _unfit(value, sql_type, f"integers {low}..{high}")
    return number


def _whole(value: object) -> int | None:
    if isinstance(value, int):
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"\s*[+-]?\d+\s*", value):
        return int(value)
    if isinstance(value, float | Decimal) and math.isfinite(value) and value == int(value):
        return int(value)
    return None


def _exact(value: object, sql_type: SqlType) -> Decimal:
    """Quantised to the column's scale, so the text has exactly that many decimals, no exponent."""
    precision, scale = sql_type.precision_scale()
    try:
        fixed = exact_decimal(_decimal(value), scale, sql_type)
    except (InvalidOperation, TypeError, ValueError):
        raise _unfit(value, sql_type) from None
    if len(fixed.as_tuple().digits) > precision:
        raise _unfit(value, sql_type, f"more than {precision} digits")
    return fixed.copy_abs() if fixed.is_zero() else fixed


def exact_decimal(number: Decimal, scale: int, sql_type: SqlType) -> Decimal:
    """`number` at `scale` decimals, rounded as SQL Server converts into the type (the table's
    `rounding`: decimal and money round half away from zero); 100 digits hold decimal(38, s)."""
    context = Context(prec=100, rounding=ROUNDING[sql_type.info.rounding])
    return number.quantize(Decimal(1).scaleb(-scale), context=context)


def _decimal(value: object) -> Decimal:
    """Only finite numbers: a NaN would quantise to NaN and print as `NaN`."""
    if isinstance(value, float):
        value = repr(value)  # the shortest digits, not the binary expansion
    if not isinstance(value, str | int | Decimal):
        raise TypeError
    number = Decimal(value.strip() if isinstance(value, str) else value)
    if not number.is_finite():
        raise ValueError
    return number


def _approximate(value: object, sql_type: SqlType) -> float:
    try:
        number = float(value) if isinstance(value, int | float | Decimal | str) else math.nan
    except (OverflowError, ValueError):
        number = math.nan
    if not math.isfinite(number):
        raise _unfit(value, sql_type, "T-SQL has no literal for inf or nan")
    return number


def _text(value: object, sql_type: SqlType) -> str:
    if not isinstance(value, str):
        raise _unfit(value, sql_type, "expected text")
    return value


def _binary(value: object, sql_type: SqlType) -> bytes:
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value)
    if isinstance(value, str) and _HEX.match(value) and len(value) % 2 == 0:
        return bytes.fromhex(value[2:])
    raise _unfit(value, sql_type, "expected bytes or 0x...")


def _guid(value: object, sql_type: SqlType) -> str:
    try:
        parsed = value if isinstance(value, uuid.UUID) else uuid.UUID(str(value).strip())
    except ValueError:
        raise _unfit(value, sql_type) from None
    return str(parsed).upper()


def _date(value: object, sql_type: SqlType) -> dt.date:
    day = _moment(value, sql_type).day
    if day is None:
        raise _unfit(value, sql_type, "no date")
    return day


def _clock_text(value: object, sql_type: SqlType) -> str:
    """Time-bearing types as their literal text: the only Python value that keeps 100 ns."""
    shape = _SHAPES[KINDS[sql_type.name]]
    moment = _moment(value, sql_type)
    if moment.day is None and shape.day:
        raise _unfit(value, sql_type, "no date")
    parts = [moment.day.isoformat()] if shape.day and moment.day else []
    parts.append(_clock(moment.ticks, shape.digits or 0))
    return "T".join(parts) + (_offset(moment.offset or 0) if shape.offset else "")


class _Moment(NamedTuple):
    """A date/time value at SQL Server's precision, whatever form it arrived in."""

    day: dt.date | None
    ticks: int  # 100 ns units since midnight
    offset: int | None  # minutes east of UTC, None when the value has no offset


def _moment(value: object, sql_type: SqlType) -> _Moment:
    """datetime/date/time objects or ISO text (SQLite returns text) → one _Moment.

    A date becomes midnight; a datetime for a `time` column keeps its time of day and for a
    `date` column its day, as SQL Server's CAST does; an offset is kept only by datetimeoffset
    (which reads a missing one as +00:00), again as CAST does.
    """
    if isinstance(value, dt.datetime):
        return _Moment(value.date(), _ticks(value.timetz()), _minutes(value.utcoffset(), sql_type))
    if isinstance(value, dt.date):
        return _Moment(value, 0, None)
    if isinstance(value, dt.time):
        return _Moment(None, _ticks(value), _minutes(value.utcoffset(), sql_type))
    match = _MOMENT.fullmatch(value.strip()) if isinstance(value, str) else None
    if match is None or not (match["day"] or match["hour"]):
        raise _unfit(value, sql_type, "expected ISO 8601 date/time text or a datetime object")
    try:
        return _moment_from_text(match)
    except ValueError as error:
        raise _unfit(value, sql_type, str(error)) from None


def _moment_from_text(match: re.Match[str]) -> _Moment:
    day = dt.date.fromisoformat(match["day"]) if match["day"] else None
    clock = dt.time(int(match["hour"] or 0), int(match["minute"] or 0), int(match["second"] or 0))
    ticks = _ticks(clock) + int((match["fraction"] or "").ljust(7, "0"))
    return _Moment(day, ticks, _offset_minutes(match["offset"]))


def _ticks(clock: dt.time) -> int:
    seconds = (clock.hour * 60 + clock.minute) * 60 + clock.second
    return seconds * _TICKS + clock.microsecond * 10


def _minutes(delta: dt.timedelta | None, sql_type: SqlType) -> int | None:
    if delta is None:
        return None
    minutes, seconds = divmod(int(delta.total_seconds()), 60)
    if seconds or abs(minutes) > _MAX_OFFSET:
        raise _unfit(delta, sql_type, "offsets are whole minutes within ±14:00")
    return minutes


def _offset_minutes(text: str | None) -> int | None:
    if text is None:
        return None
    if text == "Z":
        return 0
    digits = text[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:])
    total = hours * 60 + minutes
    if minutes >= 60 or total > _MAX_OFFSET:
        raise ValueError(f"offset {text} is outside ±14:00")
    return -total if text[0] == "-" else total


def _clock(ticks: int, digits: int) -> str:
    """hh:mm:ss plus `digits` fractional digits, truncated (datetime keeps milliseconds only)."""
    seconds, fraction = divmod(ticks, _TICKS)
    hours, rest = divmod(seconds, 3600)
    text = f"{hours:02}:{rest // 60:02}:{rest % 60:02}"
    return f"{text}.{fraction:07}"[: len(text) + 1 + digits] if digits else text


def _offset(minutes: int) -> str:
    hours, rest = divmod(abs(minutes), 60)
    return f"{'-' if minutes < 0 else '+'}{hours:02}:{rest:02}"


# Renderers print a normalised value.


def _render_text(value: object, kind: str) -> str:
    """One quoted literal, or, when it must be cut, a one-line `CAST(max) + '..' + NCHAR(n)`."""
    style = _TEXT_STYLES[kind]
    text = str(value)
    if not _CUTS.search(text):
        return style.quote + text.replace("'", "''") + "'"
    operands = [
        _char_call(p, style) if isinstance(p, int) else _quoted(p, style) for p in _pieces(text)
    ]
    return " + ".join([f"CAST({style.quote}' AS {style.max_type})", *operands])


def _pieces(text: str) -> list[str | int]:
    """Runs of plain text and the code points of the characters that must not appear literally."""
    pieces: list[str | int] = []
    start = 0
    for cut in _CUTS.finditer(text):
        if cut.start() > start:
            pieces.append(text[start : cut.start()])
        if cut.group():
            pieces.append(ord(cut.group()))
        start = cut.end()
    if start < len(text):
        pieces.append(text[start:])
    return pieces


def _quoted(piece: str, style: _TextStyle) -> str:
    return style.quote + piece.replace("'", "''") + "'"


def _char_call(code: int, style: _TextStyle) -> str:
    """CHAR(n) is code-page dependent above 0x7F, so those characters always use NCHAR(n)."""
    return f"{style.char if code < 0x80 else 'NCHAR'}({code})"


def _render_plain(value: object, kind: str) -> str:
    return repr(value) if isinstance(value, float) else str(value)


def _render_exact(value: object, kind: str) -> str:
    return format(value, "f")


def _render_binary(value: object, kind: str) -> str:
    data = value if isinstance(value, bytes) else b""
    return "0x" + data.hex().upper()


def _render_quoted(value: object, kind: str) -> str:
    return f"'{value.isoformat() if isinstance(value, dt.date) else value}'"


_Normaliser = Callable[[object, SqlType], object]
_Renderer = Callable[[object, str], str]

_NORMALISERS: dict[str, _Normaliser] = {
    "bit": _bit,
    "integer": _integer,
    "exact": _exact,
    "approximate": _approximate,
    "ansi": _text,
    "unicode": _text,
    "binary": _binary,
    "guid": _guid,
    "date": _date,
    "time": _clock_text,
    "datetime": _clock_text,
    "datetime2": _clock_text,
    "datetimeoffset": _clock_text,
}

_RENDERERS: dict[str, _Renderer] = {
    "bit": _render_plain,
    "integer": _render_plain,
    "exact": _render_exact,
    "approximate": _render_plain,
    "ansi": _render_text,
    "unicode": _render_text,
    "binary": _render_binary,
    "guid": _render_quoted,
    "date": _render_quoted,
    "time": _render_quoted,
    "datetime": _render_quoted,
    "datetime2": _render_quoted,
    "datetimeoffset": _render_quoted,
}

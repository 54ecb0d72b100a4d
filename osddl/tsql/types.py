"""SQL Server's types, one record each: the single statement of every type fact osddl uses.

Arguments, their limits and defaults, the family (sentinels, operator values), the literal kind
(rendering and reading back), integer ranges, Unicode, the Arrow type of a snapshot column, the
PostgreSQL rehearsal type and how SQL Server rounds or truncates a value into the type. Every other
table (`SQLSERVER_TYPES`, `FAMILIES`, literal kinds, ranges, defaults, ddl_compare's implicit
arguments, `pgtypes.TO_POSTGRES`) is derived here; `docs/types.md` is generated from `TYPES`.
Pure data plus the parser/renderer of type text (`nvarchar(50)`), and the limit check (`fit`).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from decimal import Decimal
from fractions import Fraction
from typing import Final, Literal

from osddl.errors import InputError

Args = Literal["", "length", "precision_scale", "scale"]
Family = Literal["text", "number", "bit", "date", "time", "datetime", "guid", "binary"]
Arrow = Literal["int64", "bool", "decimal", "float64", "string", "binary"]
# How a value with more digits/characters than the type holds arrives in an INSERT: kept exactly,
# rounded half away from zero (decimal, money), fractional seconds rounded (datetime: to 1/300 s),
# refused ("String or binary data would be truncated"), or approximated (float).
Rounding = Literal[
    "exact", "half_away_from_zero", "round_fraction", "refuse", "approximate", "none"
]

MAX = -1  # length of (max)


@dataclass(frozen=True)
class TypeInfo:
    """One SQL Server type as SQL Server 2016+ declares, stores and converts it."""

    name: str
    args: Args = ""  # what its parentheses hold: (n|max), (p,s), (fractional digits) or nothing
    max_length: int | None = None  # largest n of (n); chars for nchar/nvarchar, else bytes
    allows_max: bool = False  # (max) is valid
    max_precision: int | None = None  # decimal/numeric p
    max_scale: int | None = None  # fractional-second digits, or s ≤ p for decimal
    default_args: tuple[int, ...] = ()  # what a bare name means: decimal = decimal(18,0)
    family: Family = "text"
    kind: str | None = None  # literal kind (osddl.tsql.write); None = no data literal
    integer_range: tuple[int, int] | None = None
    unicode: bool = False
    arrow: Arrow = "string"  # the snapshot column type (decimal: decimal128(p, s))
    postgres: str | None = None  # rehearsal type; {n} {p} {s} from the SQL Server type
    rounding: Rounding = "none"  # how SQL Server converts a finer value into the type
    alias_of: str | None = None  # sysname is nvarchar(128) NOT NULL
    money_range: tuple[Decimal, Decimal] | None = None  # money/smallmoney: what it holds
    day_range: tuple[str, str] | None = None  # first and last day (ISO) of a type with a date
    # Seconds between two times of day it keeps: datetime 1/300 s (.000/.003/.007), smalldatetime
    # whole minutes; None with (n) fractional digits: 10**-n s (datetime2, time, datetimeoffset).
    clock_step: Fraction | None = None


def _int(name: str, low: int, high: int, postgres: str | None) -> TypeInfo:
    return TypeInfo(
        name,
        family="number",
        kind="integer",
        integer_range=(low, high),
        arrow="int64",
        postgres=postgres,
        rounding="exact",
    )


def _text(name: str, max_length: int | None, allows_max: bool, unicode: bool) -> TypeInfo:
    return TypeInfo(
        name,
        args="length" if max_length else "",
        max_length=max_length,
        allows_max=allows_max,
        default_args=(1,) if max_length else (),
        kind="unicode" if unicode else "ansi",
        unicode=unicode,
        postgres="VARCHAR({n})" if name == "nvarchar" else None,
        rounding="refuse",
    )


def _binary(name: str, max_length: int | None, allows_max: bool) -> TypeInfo:
    return TypeInfo(
        name,
        args="length" if max_length else "",
        max_length=max_length,
        allows_max=allows_max,
        default_args=(1,) if max_length else (),
        family="binary",
        kind="binary",
        arrow="binary",
        postgres="BYTEA" if name == "varbinary" else None,
        rounding="refuse",
    )


FULL_DAYS = ("0001-01-01", "9999-12-31")


def _clock(
    name: str,
    family: Family,
    postgres: str | None,
    args: Args = "scale",
    days: tuple[str, str] | None = FULL_DAYS,
    step: Fraction | None = None,
) -> TypeInfo:
    return TypeInfo(
        name,
        args=args,
        max_scale=7 if args else None,
        default_args=(7,) if args else (),
        family=family,
        kind=name if name != "smalldatetime" else "datetime",
        postgres=postgres,
        rounding="round_fraction" if name != "date" else "exact",
        day_range=days,
        clock_step=step,
    )


def _exact(
    name: str,
    fixed: tuple[int, int] | None = None,
    postgres: str | None = None,
    money: tuple[str, str] | None = None,
) -> TypeInfo:
    return TypeInfo(
        name,
        args="" if fixed else "precision_scale",
        max_precision=None if fixed else 38,
        max_scale=None if fixed else 38,
        default_args=fixed or (18, 0),
        family="number",
        kind="exact",
        arrow="decimal",
        postgres=postgres,
        rounding="half_away_from_zero",
        money_range=(Decimal(money[0]), Decimal(money[1])) if money else None,
    )


TYPES: tuple[TypeInfo, ...] = (
    _int("bigint", -(2**63), 2**63 - 1, "BIGINT"),
    _int("int", -(2**31), 2**31 - 1, "INTEGER"),
    _int("smallint", -(2**15), 2**15 - 1, "SMALLINT"),
    _int("tinyint", 0, 255, None),
    TypeInfo("bit", family="bit", kind="bit", arrow="bool", postgres="BOOLEAN", rounding="exact"),
    _exact("decimal", postgres="NUMERIC({p},{s})"),
    _exact("numeric"),
    _exact("money", (19, 4), money=("-922337203685477.5808", "922337203685477.5807")),
    _exact("smallmoney", (10, 4), money=("-214748.3648", "214748.3647")),
    TypeInfo(
        "float",
        family="number",
        kind="approximate",
        arrow="float64",
        postgres="DOUBLE PRECISION",
        rounding="approximate",
    ),
    TypeInfo(
        "real",
        family="number",
        kind="approximate",
        arrow="float64",
        postgres="REAL",
        rounding="approximate",
    ),
    _clock("date", "date", "DATE", args=""),
    _clock("time", "time", "TIME(6)", days=None),
    _clock(
        "datetime",
        "datetime",
        "TIMESTAMP(3)",
        args="",
        days=("1753-01-01", "9999-12-31"),
        step=Fraction(1, 300),
    ),
    _clock("datetime2", "datetime", "TIMESTAMP(6)"),
    _clock(
        "smalldatetime",
        "datetime",
        None,
        args="",
        days=("1900-01-01", "2079-06-06"),
        step=Fraction(60),
    ),
    _clock("datetimeoffset", "datetime", None),
    _text("char", 8000, False, unicode=False),
    _text("varchar", 8000, True, unicode=False),
    _text("nchar", 4000, False, unicode=True),
    _text("nvarchar", 4000, True, unicode=True),
    _text("text", None, False, unicode=False),
    _text("ntext", None, False, unicode=True),
    _text("xml", None, False, unicode=True),
    replace(_text("sysname", None, False, unicode=True), alias_of="nvarchar(128)"),
    _binary("binary", 8000, False),
    _binary("varbinary", 8000, True),
    _binary("image", None, False),
    TypeInfo("uniqueidentifier", family="guid", kind="guid", postgres="UUID", rounding="exact"),
    TypeInfo("rowversion", family="binary"),
    TypeInfo("timestamp", family="binary"),
    TypeInfo("sql_variant"),
)

BY_NAME: dict[str, TypeInfo] = {t.name: t for t in TYPES}

# ---- derived tables (read these; never restate them) ------------------------------------------

SQLSERVER_TYPES: dict[str, Args] = {t.name: t.args for t in TYPES}
FAMILIES: dict[str, Family] = {t.name: t.family for t in TYPES}
KINDS: dict[str, str] = {t.name: t.kind for t in TYPES if t.kind is not None}


def literal_kind(sql_type: SqlType) -> str:
    """How a value of this type is written as a literal; ValueError for a type without one."""
    kind = KINDS.get(sql_type.name)
    if kind is None:
        raise ValueError(f"no data literal exists for a {sql_type.name} column")
    return kind


# The longest batch SQL Server takes: 65,536 network packets of the default 4,096 bytes (sqlcmd
# `-a`), counted as it arrives, in UTF-16.
SQL_SERVER_BATCH_BYTES: Final = 65_536 * 4_096


def utf16_size(text: str) -> int:
    """Bytes of `text` in UTF-16: two per character, four past U+FFFF."""
    return 2 * len(text) if text.isascii() else len(text.encode("utf-16-le"))


INTEGER_RANGES: dict[str, tuple[int, int]] = {
    t.name: t.integer_range for t in TYPES if t.integer_range is not None
}
DEFAULT_ARGS: dict[str, tuple[int, ...]] = {t.name: t.default_args for t in TYPES if t.default_args}
ALIASES: dict[str, str] = {t.name: t.alias_of for t in TYPES if t.alias_of is not None}
MONEY_RANGES: dict[str, tuple[Decimal, Decimal]] = {
    t.name: t.money_range for t in TYPES if t.money_range is not None
}
# Types whose days do not span 0001-01-01..9999-12-31: the ones a value can fall outside of.
DAY_RANGES: dict[str, tuple[str, str]] = {
    t.name: t.day_range for t in TYPES if t.day_range not in (None, FULL_DAYS)
}
SIZED: frozenset[str] = frozenset(t.name for t in TYPES if t.args == "length")
UNICODE_SIZED: frozenset[str] = frozenset(t.name for t in TYPES if t.args == "length" and t.unicode)
INTEGERS: tuple[str, ...] = tuple(
    sorted(INTEGER_RANGES, key=lambda name: INTEGER_RANGES[name][1] - INTEGER_RANGES[name][0])
)  # narrowest first

_PATTERN = re.compile(r"^\s*\[?([A-Za-z_0-9 ]+?)\]?\s*(?:\(\s*([^)]*)\s*\))?\s*$")


@dataclass(frozen=True)
class SqlType:
    name: str
    length: int | None = None  # characters or bytes; MAX for (max)
    precision: int | None = None
    scale: int | None = None

    @property
    def info(self) -> TypeInfo:
        return BY_NAME[self.name]

    def render(self) -> str:
        style = SQLSERVER_TYPES[self.name]
        if style == "length" and self.length is not None:
            return f"{self.name}({'max' if self.length == MAX else self.length})"
        if style == "precision_scale" and self.precision is not None:
            return f"{self.name}({self.precision},{self.scale or 0})"
        if style == "scale" and self.scale is not None:
            return f"{self.name}({self.scale})"
        return self.name

    def precision_scale(self) -> tuple[int, int]:
        """(p, s) of an exact type, SQL Server's defaults where the text carries none."""
        if self.precision is None or self.info.args != "precision_scale":
            precision, scale = self.info.default_args
            return precision, scale
        return self.precision, self.scale or 0


def family(sql_type: str) -> Family:
    """The family of a type name or type text (`nvarchar(50)` → text); unknown names are text."""
    return FAMILIES.get(sql_type.split("(")[0].strip().lower(), "text")


def parse_sql_type(text: str, where: str = "type") -> SqlType:
    """`NVARCHAR(50)` → SqlType('nvarchar', length=50); unknown names are an InputError."""
    match = _PATTERN.match(text)
    name = match.group(1).strip().lower() if match else ""
    if not match or name not in SQLSERVER_TYPES:
        raise InputError(f"{where}: {text!r} is not a SQL Server type; expected e.g. nvarchar(50)")
    args = [a.strip().lower() for a in (match.group(2) or "").split(",") if a.strip()]
    style = SQLSERVER_TYPES[name]
    try:
        if style == "length" and args:
            return SqlType(name, length=MAX if args[0] == "max" else int(args[0]))
        if style == "precision_scale" and args:
            return SqlType(name, precision=int(args[0]), scale=int(args[1]) if len(args) > 1 else 0)
        if style == "scale" and args:
            return SqlType(name, scale=int(args[0]))
    except ValueError:
        raise InputError(f"{where}: {text!r} has a bad argument; expected numbers or max") from None
    return SqlType(name)


# ---- time of day ------------------------------------------------------------------------------


def clock_step(sql_type: SqlType) -> Fraction | None:
    """Seconds between two times of day the column keeps; None for a type without a clock."""
    info = sql_type.info
    if info.clock_step is not None:
        return info.clock_step
    if info.args == "scale":
        digits = sql_type.scale if sql_type.scale is not None else info.max_scale or 0
        return Fraction(1, 10**digits)
    return None


def stored_seconds(seconds: Fraction, sql_type: SqlType) -> Fraction:
    """The time of day (seconds since midnight) SQL Server stores for `seconds`: rounded half up
    to the type's step (so `datetime` keeps .000/.003/.007, `smalldatetime` whole minutes)."""
    step = clock_step(sql_type)
    if step is None:
        return seconds
    return math.floor(seconds / step + Fraction(1, 2)) * step


def precision_text(info: TypeInfo) -> str:
    """What the type keeps of a time of day, in words (docs)."""
    if info.clock_step == Fraction(1, 300):
        return "1/300 s (.000/.003/.007)"
    if info.clock_step is not None:
        return f"{info.clock_step} s"
    return "10^-n s of (n)" if info.args == "scale" else ""


def range_text(info: TypeInfo) -> str:
    """The values the type holds, where it has bounds (docs)."""
    for bounds in (info.integer_range, info.money_range, info.day_range):
        if bounds is not None:
            return f"{bounds[0]}..{bounds[1]}"
    return ""


# ---- limits -----------------------------------------------------------------------------------

# A type past a limit that a user would read as "as large as possible": the type SQL Server has.
WIDER: dict[str, str] = {"char": "varchar", "nchar": "nvarchar", "binary": "varbinary"}


@dataclass(frozen=True)
class Fit:
    """A declared type made valid: the type to emit and what was wrong (empty when nothing)."""

    sql_type: SqlType
    problem: str = ""
    impossible: bool = False  # no valid type means what was declared


def limits(info: TypeInfo) -> str:
    """The type's argument rule in words (docs and messages)."""
    if info.args == "length":
        return f"(1..{info.max_length}{' or max' if info.allows_max else ''})"
    if info.args == "precision_scale":
        return f"(p 1..{info.max_precision}, s 0..p)"
    if info.args == "scale":
        return f"(0..{info.max_scale})"
    return "no arguments"


def fit(sql_type: SqlType) -> Fit:
    """`sql_type` if SQL Server 2016+ accepts it; a length or fractional-second precision past the
    limit becomes the largest valid type (with the problem named); anything else is impossible."""
    info = sql_type.info
    rule = f"{info.name} takes {limits(info)}"
    declared = sql_type.render()
    if info.args == "length" and sql_type.length is not None and sql_type.length != MAX:
        if sql_type.length < 1:
            return Fit(sql_type, f"{declared}: {rule}", impossible=True)
        if sql_type.length > (info.max_length or 0):
            wider = SqlType(WIDER.get(info.name, info.name), length=MAX)
            return Fit(wider, f"{declared} is past the limit ({rule}); emitted as {wider.render()}")
    if info.args == "length" and sql_type.length == MAX and not info.allows_max:
        wider = SqlType(WIDER[info.name], length=MAX)
        return Fit(wider, f"{declared} is not valid ({rule}); emitted as {wider.render()}")
    if info.args == "precision_scale" and sql_type.precision is not None:
        precision, scale = sql_type.precision, sql_type.scale or 0
        if not (1 <= precision <= (info.max_precision or 0) and 0 <= scale <= precision):
            return Fit(sql_type, f"{declared}: {rule}", impossible=True)
    if info.args == "scale" and sql_type.scale is not None:
        if sql_type.scale < 0:
            return Fit(sql_type, f"{declared}: {rule}", impossible=True)
        if sql_type.scale > (info.max_scale or 0):
            finest = replace(sql_type, scale=info.max_scale)
            return Fit(
                finest, f"{declared} is past the limit ({rule}); emitted as {finest.render()}"
            )
    return Fit(sql_type)

"""Whole-column fit: the cells of one INSERT's column that the exact per-value check must see.

Most cells are plain literals whose fit is decided by their text: an integer with fewer digits than
its type's bounds, `N'..'` with at most n characters outside the astral planes (so at most n UTF-16
units), a decimal with at most p - s integer and s fraction digits, a date/time of its type's exact
shape whose time of day the type keeps and whose day lies in the type's days (a pattern accepting
exactly the ISO days between the type's first and last, `between`). `suspects` checks a whole
column at once with one pattern (the cells joined by LF, a character no pattern accepts inside a
cell) and returns only the cells it cannot clear: NULL aside, anything near or past a limit, `+`
chains, sqlglot's operands. Those go through the exact path (`read_cell` then `misfit`), so the
proof's findings are the per-value path's (tests/test_fit_fast.py holds the two equal). A
column's common form (`ColumnCheck.form`) also builds the whole-INSERT patterns of
`osddl.proofs.fit_inserts`.

A cleared cell is one the exact path reads and finds fitting; every bound below is derived from the
type table (`osddl.tsql.types`) and the reader's literal shapes (`osddl.tsql.read`), the clock rule
from `clock_misfit` itself.
"""

from __future__ import annotations

import functools
import itertools
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Final, cast

from osddl.tsql.read import TEMPORAL_SHAPES
from osddl.tsql.scan import Cell
from osddl.tsql.types import DAY_RANGES, KINDS, MAX, SIZED, SqlType, clock_step

NULL: Final = "NULL"
_ASTRAL: Final = "\U00010000-\U0010ffff"  # two UTF-16 units each: never cleared for (n)
# The seconds and fractional digits of a temporal shape (`osddl.tsql.read.TEMPORAL_SHAPES`).
_SECONDS: Final = re.compile(r"\[0-5\]\\d\\\.\\d\{(\d+)\}")
_SECONDS_TEXT: Final = r"[0-5]\d"
_RESIDUES: Final = 1000  # the largest set of clock residues enumerated through `clock_misfit`


@dataclass(frozen=True)
class ColumnCheck:
    """How to clear the cells of a column of one type: `form`, the pattern text of a cleared cell
    in its common form (NULL included; never accepting LF), `quick` for the joined column (that
    form, fastest), `cell` for a cell (also the rarer forms, e.g. doubled quotes)."""

    form: str
    quick: re.Pattern[str]
    cell: re.Pattern[str]

    def suspects(self, cells: Sequence[Cell]) -> Sequence[int]:
        """Indexes of the cells the exact path must check (all of them for sqlglot's operands)."""
        try:
            joined = "\n".join(cells)  # type: ignore[arg-type]  # TypeError: sqlglot's operands
        except TypeError:
            return range(len(cells))
        if self.quick.fullmatch(joined):
            return ()
        texts = cast(Sequence[str], cells)
        return [index for index, text in enumerate(texts) if not self.cell.fullmatch(text)]


@functools.cache
def column_check(sql_type: SqlType) -> ColumnCheck:
    body = _BODIES.get(KINDS.get(sql_type.name, ""), _nothing)(sql_type)
    quick, cell = body or ("(?!)", "(?!)")  # no cleared form: every cell but NULL is checked
    days = DAY_RANGES.get(sql_type.name)
    if days is not None:  # the cell's day (`cell[1:11]`, after the quote) within the type's days
        within = f"(?=.{between(*days)})"
        quick, cell = within + quick, within + cell
    form = f"(?:{NULL}|{quick})"
    return ColumnCheck(form, re.compile(f"{form}(?:\n{form})*"), re.compile(f"{NULL}|{cell}"))


# ---- fixed-width digit texts between two bounds -----------------------------------------------

_DIGITS: Final = "0123456789"


def between(low: str, high: str) -> str:
    """A pattern accepting exactly the texts of `low`'s shape (an ASCII digit where it has one, the
    same character elsewhere) from `low` to `high` (same shape) inclusive, e.g. ISO days."""
    if (
        len(low) != len(high)
        or low > high
        or any(_slot(a) != _slot(b) for a, b in zip(low, high, strict=True))
    ):
        raise ValueError(f"{low!r}..{high!r} are not two bounds of one shape")
    same = 0
    while same < len(low) and low[same] == high[same]:
        same += 1
    if same == len(low):
        return re.escape(low)
    first, last = int(low[same]), int(high[same])
    forms = [f"{first}{_from(low[same + 1 :])}"]
    if last - first > 1:
        forms.append(f"{_digit(first + 1, last - 1)}{_any(low[same + 1 :])}")
    forms.append(f"{last}{_upto(high[same + 1 :])}")
    return f"{re.escape(low[:same])}(?:{'|'.join(forms)})"


def _slot(char: str) -> str:
    return "digit" if char in _DIGITS else char


def _from(low: str) -> str:
    """The texts of `low`'s shape from `low` up."""
    return _beyond(low, "0", lambda d: _digit(d + 1, 9) if d < 9 else None, _from)


def _upto(high: str) -> str:
    """The texts of `high`'s shape up to `high`."""
    return _beyond(high, "9", lambda d: _digit(0, d - 1) if d > 0 else None, _upto)


def _beyond(
    bound: str, edge: str, past: Callable[[int], str | None], rest: Callable[[str], str]
) -> str:
    """`bound`'s first character then `rest` of the others, or a digit `past` it then any digits;
    a bound whose digits are all `edge` admits every text of its shape."""
    if all(c == edge for c in bound if c in _DIGITS):
        return _any(bound)
    head, tail = bound[0], bound[1:]
    if head not in _DIGITS:
        return f"{re.escape(head)}{rest(tail)}"
    other = past(int(head))
    forms = [f"{head}{rest(tail)}"] + ([f"{other}{_any(tail)}"] if other else [])
    return f"(?:{'|'.join(forms)})"


def _digit(first: int, last: int) -> str:
    return str(first) if first == last else f"[{first}-{last}]"


def _repeated(pattern: str, count: int) -> str:
    return pattern if count == 1 else f"{pattern}{{{count}}}"


def _any(shape: str) -> str:
    """Every text of the shape: ASCII digits where it has digits (not `\\d`: no other digits)."""
    return "".join(
        _repeated("[0-9]" if slot == "digit" else re.escape(slot), len(list(run)))
        for slot, run in itertools.groupby(shape, _slot)
    )


# ---- the cleared forms of each literal kind: (quick, cell) patterns, None when there is none ---

Body = tuple[str, str] | None


def _nothing(sql_type: SqlType) -> Body:
    return None


def _same(pattern: str | None) -> Body:
    return None if pattern is None else (pattern, pattern)


def _bit(sql_type: SqlType) -> Body:
    return _same("[01]")


def _below(bound: int) -> int:
    """Digits d with 10**d <= bound: every number of at most d integer digits is within it."""
    return len(str(bound)) - 1 if bound > 0 else 0


def _signed(low: int, high: int, fraction: str = "") -> str | None:
    """Numbers (integer part, then `fraction`) whose integer digits keep them inside low..high."""
    forms = [rf"\d{{1,{_below(high)}}}" if _below(high) else ""]
    forms.append(rf"-\d{{1,{_below(-low)}}}" if _below(-low) else "")
    found = "|".join(f for f in forms if f)
    return f"(?:{found}){fraction}" if found else None


def _integer(sql_type: SqlType) -> Body:
    low, high = sql_type.info.integer_range or (0, 0)
    return _same(_signed(low, high))


def _exact(sql_type: SqlType) -> Body:
    money = sql_type.info.money_range
    if money is not None:  # money keeps any decimals it is given (rounded): only its range counts
        return _same(_signed(math.ceil(money[0]), math.floor(money[1]), r"(?:\.\d+)?"))
    precision, scale = sql_type.precision_scale()
    whole = precision - scale
    if whole < 0:
        return None
    integer = rf"\d{{1,{whole}}}" if whole else "0"
    fraction = rf"(?:\.\d{{1,{scale}}})?" if scale else ""
    return _same(f"-?{integer}{fraction}")


def _approximate(sql_type: SqlType) -> Body:
    return _same(r"-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?")  # float() reads every number the scan reads


def _limit(sql_type: SqlType) -> str:
    """`{0,n}` for a sized type, else `*` (max and the unsized types: no length to exceed)."""
    if sql_type.name not in SIZED:
        return "*"
    length = 1 if sql_type.length is None else sql_type.length
    return "*" if length == MAX else f"{{0,{length}}}"


def _text(prefix: str, units: bool) -> Callable[[SqlType], Body]:
    def body(sql_type: SqlType) -> Body:
        limit = _limit(sql_type)
        astral = _ASTRAL if units and limit != "*" else ""
        plain = f"[^'\n{astral}]"
        return f"{prefix}'{plain}{limit}'", f"{prefix}'(?:{plain}|''){limit}'"

    return body


def _binary(sql_type: SqlType) -> Body:
    return _same(f"0x(?:[0-9A-Fa-f]{{2}}){_limit(sql_type)}")


def _guid(sql_type: SqlType) -> Body:
    return _same("'[0-9A-F]{8}(?:-[0-9A-F]{4}){3}-[0-9A-F]{12}'")


# Days `date.fromisoformat` may refuse although the shape allows them (checked exactly instead).
_ODD_DAYS: Final = r"(?!0000-|\d{4}-02-(?:29|3)|\d{4}-(?:04|06|09|11)-31)"


def _date(sql_type: SqlType) -> Body:
    return _same(f"'{_ODD_DAYS}{_shape('date')}'")


def _shape(kind: str) -> str:
    """The reader's exact shape of a date/time literal, its groups made non-capturing (faster:
    the pattern only answers yes or no)."""
    return re.sub(r"\((?!\?)", "(?:", TEMPORAL_SHAPES[kind].pattern)


def _temporal(sql_type: SqlType) -> Body:
    """The type's literal shape with its seconds narrowed to those the type keeps."""
    shape = _shape(KINDS[sql_type.name])
    found = _SECONDS.search(shape)
    kept = _kept_seconds(sql_type, int(found[1])) if found else None
    if found is None or kept is None:
        return None
    return _same(f"'{shape[: found.start()]}{kept}{shape[found.end() :]}'")


def _kept_seconds(sql_type: SqlType, digits: int) -> str | None:
    """Seconds `ss.f..f` (`digits` fractional digits, seconds as the shape has them) of a time of
    day the type keeps as written; None when no such rule is derived (every cell is then checked
    exactly)."""
    step = clock_step(sql_type)
    if step is None:
        return None
    if (step * 10**digits).denominator == 1:  # the stored time is written exactly: kept iff a
        return _multiples(step, digits)  # multiple of the step
    return _residues(sql_type, step, digits)


def _multiples(step: Fraction, digits: int) -> str | None:
    """Seconds that are a multiple of a step of 10**-n s, or of whole seconds dividing a minute."""
    places = _below(step.denominator)
    if step < 1 and step.numerator == 1 and 10**places == step.denominator:
        return rf"{_SECONDS_TEXT}\.\d{{{places}}}0{{{digits - places}}}"
    if step >= 1 and step.denominator == 1 and 60 % step.numerator == 0:
        kept = "|".join(f"{s:02}" for s in range(0, 60, step.numerator))
        seconds = _SECONDS_TEXT if step == 1 else f"(?:{kept})"
        return rf"{seconds}\.0{{{digits}}}"
    return None


def _residues(sql_type: SqlType, step: Fraction, digits: int) -> str | None:
    """A time of day shifted by a multiple of `period` (a multiple of the step and of the last
    digit) keeps or loses the same, so the last digits decide: enumerated through `clock_misfit`."""
    from osddl.proofs.fit import clock_misfit  # the one rule (fit imports this module)

    unit = Fraction(1, 10**digits)
    period = Fraction(
        math.lcm(step.numerator, unit.numerator), math.gcd(step.denominator, unit.denominator)
    )
    count = period / unit
    last = _below(int(count))
    if period > 1 or count > _RESIDUES or last < 1 or 10**last != count:
        return None
    kept = [
        f"{r:0{last}}"
        for r in range(int(count))
        if clock_misfit(f"00:00:00.{r:0{digits}}", sql_type) is None
    ]
    shown = f"(?:{'|'.join(kept)})"
    return rf"{_SECONDS_TEXT}\.\d{{{digits - last}}}{shown}" if kept else None


_BODIES: Final[dict[str, Callable[[SqlType], Body]]] = {
    "bit": _bit,
    "integer": _integer,
    "exact": _exact,
    "approximate": _approximate,
    "unicode": _text("N", units=True),
    "ansi": _text("", units=False),
    "binary": _binary,
    "guid": _guid,
    "date": _date,
    "time": _temporal,
    "datetime": _temporal,
    "datetime2": _temporal,
    "datetimeoffset": _temporal,
}

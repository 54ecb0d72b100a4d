"""Whole-column fast paths (pyarrow.compute) for snapshots and DynamicData, byte-identical to the
per-value reference paths.

Two kernels per SQL Server type, chosen by the type table (`osddl.tsql.types`):
- `to_snapshot`: a fetched Arrow column (whatever the driver produced) → the snapshot's Arrow
  type, equal to what the per-value converter of `osddl.export.snapshot.arrow_field` makes;
- `render`: a snapshot column → its T-SQL literal texts, equal to `osddl.tsql.literal`.

Each kernel computes, per value, whether the fast path provably gives the reference's answer (a
regular expression on the text, a range, a round trip); every other value goes through the reference
function itself (`_patch`), so the fast path can only ever be faster, never different. A column of
a type no kernel covers goes through the reference whole. The property tests in
tests/test_columnar.py hold both paths equal on generated values of every type.
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import itertools
import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal
from typing import Any, TypeVar

import pyarrow as pa
import pyarrow.compute as pc

from osddl.tsql.types import INTEGER_RANGES, KINDS, SqlType
from osddl.tsql.write import literal

Convert = Callable[[Any], Any]

# ---- shared helpers ---------------------------------------------------------------------------


def _patch(
    fast: pa.Array, ok: pa.Array, source: pa.Array, slow: Convert, out_type: pa.DataType
) -> pa.Array:
    """`fast` where `ok`, the reference `slow(value)` elsewhere (NULLs stay NULL)."""
    ok = pc.fill_null(ok, False)
    redo = pc.and_(pc.invert(ok), pc.is_valid(source))
    count = pc.sum(redo).as_py() or 0
    if count == 0:
        return fast
    values = pc.filter(source, redo).to_pylist()
    return pc.replace_with_mask(fast, redo, pa.array([slow(v) for v in values], type=out_type))


def _slow(source: pa.Array, slow: Convert, out_type: pa.DataType) -> pa.Array:
    return pa.array([None if v is None else slow(v) for v in source.to_pylist()], type=out_type)


def _text(value: str) -> pa.Scalar:
    return pa.scalar(value, pa.string())


def _join(*parts: pa.Array | pa.Scalar) -> pa.Array:
    return pc.binary_join_element_wise(*parts, _text(""))


T = TypeVar("T")


def prefetch(items: Iterable[T], depth: int = 2) -> Iterator[T]:
    """`items` produced on a background thread, at most `depth` ahead, in their order. Drivers,
    Parquet and Arrow compute release the GIL, so reading overlaps converting and writing; an
    exception of the producer is raised here, and leaving early stops the producer."""
    ready: queue.Queue[tuple[bool, Any]] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(entry: tuple[bool, Any]) -> bool:
        while not stop.is_set():
            try:
                ready.put(entry, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not put((True, item)):
                    return
            put((False, None))
        except BaseException as error:  # handed to the consumer
            put((False, error))
        finally:
            close = getattr(items, "close", None)
            if close is not None:  # a generator left early ends on the thread that ran it
                close()

    thread = threading.Thread(target=produce, name="osddl-prefetch", daemon=True)
    thread.start()
    try:
        while True:
            more, item = ready.get()
            if not more:
                if item is not None:
                    raise item
                return
            yield item
    finally:
        stop.set()
        thread.join()


def exact_batches(
    batches: Iterable[pa.RecordBatch],
    rows: int,
    schema: pa.Schema | None = None,
    budget: int | None = None,
) -> Iterator[pa.RecordBatch]:
    """The same rows in batches of exactly `rows` rows (the last one shorter), or, with `budget`,
    ending before the row that would take the batch's text and binary values past `budget` bytes
    (a row alone may pass it). Where they end depends on the values alone, not on the batches
    they came in. `schema`: theirs (default: the first batch's)."""
    pending: list[pa.RecordBatch] = []
    count = size = 0
    for batch in batches:
        sizes = _value_sizes(batch) if budget is not None else None
        per_row: list[int] | None = None  # listed only when the budget may end a batch here
        start = 0
        while start < batch.num_rows:
            take, full, added = min(rows - count, batch.num_rows - start), False, 0
            if sizes is not None and budget is not None:
                added = pc.sum(sizes.slice(start, take)).as_py() or 0
                if size + added > budget:
                    per_row = sizes.to_pylist() if per_row is None else per_row
                    running = list(itertools.accumulate(per_row[start : start + take]))
                    fit = bisect.bisect_right(running, budget - size)
                    take, full = (max(fit, 1) if count == 0 else fit), True
                    added = sum(per_row[start : start + take])
            if take:
                pending.append(batch.slice(start, take))
            count, size, start = count + take, size + added, start + take
            if count == rows or full:
                yield _joined(pending, schema)
                pending, count, size = [], 0, 0
    if count:
        yield _joined(pending, schema)


def _value_sizes(batch: pa.RecordBatch) -> pa.Array | None:
    """Bytes of each row's text and binary values (None: the batch has no such column)."""
    lengths = [
        pc.fill_null(pc.binary_length(column), 0)
        for column in batch.columns
        if pa.types.is_string(column.type) or pa.types.is_binary(column.type)
    ]
    if not lengths:
        return None
    return functools.reduce(pc.add, lengths[1:], pc.cast(lengths[0], pa.int64()))


def bounded_runs(
    batches: Iterable[pa.RecordBatch], rows: int, budget: int
) -> Iterator[pa.RecordBatch]:
    """The same rows, in order, in runs of at most `rows` rows and about `budget` bytes: a longer
    batch is cut (by bytes into equal row counts: a row is never cut), consecutive shorter ones
    are joined while they stay within both. Memory then stays bounded however wide the rows are;
    where the runs end is the caller's free choice (the renderer's output does not depend on it)."""
    pending: list[pa.RecordBatch] = []
    count = size = 0
    for batch in batches:
        parts = max(1, -(-batch.nbytes // budget), -(-batch.num_rows // rows))
        step = -(-batch.num_rows // parts) if batch.num_rows else 0
        for start in range(0, batch.num_rows, step or 1):
            piece = batch.slice(start, step)
            if pending and (count + piece.num_rows > rows or size + piece.nbytes > budget):
                yield _joined(pending)
                pending, count, size = [], 0, 0
            pending.append(piece)
            count += piece.num_rows
            size += piece.nbytes
    if pending:
        yield _joined(pending)


def _joined(batches: list[pa.RecordBatch], schema: pa.Schema | None = None) -> pa.RecordBatch:
    if len(batches) == 1:
        return batches[0]
    return pa.Table.from_batches(batches, schema=schema).combine_chunks().to_batches()[0]


# ---- snapshot: fetched column → snapshot type -------------------------------------------------

# Decimal text Arrow casts exactly into decimal128(38, 17) (21 integer digits at most).
_DECIMAL_TEXT = r"^-?\d{1,21}(\.\d{1,17})?$"
_GUID_TEXT = r"^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$"
# Driver date/time text the reference (`snapshot._text_time`) reshapes without surprises.
_MOMENT_TEXT = r"^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(?:\.(\d*))?$"
_DAY_TEXT = r"^\d{4}-\d{2}-\d{2}$"
_CLOCK_TEXT = r"^(\d{2}:\d{2}:\d{2})(?:\.(\d*))?$"


def _decimal_from_text(
    text: pa.Array, target: pa.Decimal128Type
) -> tuple[pa.Array, pa.Array] | None:
    """Plain decimal text → decimal128(p, s), rounded half away from zero like the reference. A
    column whose texts all have at most p - s integer and s fraction digits is cast as it is
    (nothing to round, nothing too wide): the usual case, in one kernel."""
    fitting = pc.match_substring_regex(text, _fitting_decimal(target.precision, target.scale))
    if pc.all(pc.or_(fitting, pc.is_null(text))).as_py():
        return pc.cast(text, target), pc.is_valid(text)
    plain = pc.match_substring_regex(text, _DECIMAL_TEXT)
    wide = pc.cast(pc.if_else(plain, text, _text("0")), pa.decimal128(38, 17))
    return _decimal_from_decimal(wide, plain, target)


@functools.cache
def _fitting_decimal(precision: int, scale: int) -> str:
    """Decimal text that decimal128(precision, scale) holds exactly as written."""
    whole = precision - scale
    integer = rf"\d{{1,{whole}}}" if whole > 0 else "0"
    fraction = rf"(\.\d{{1,{scale}}})?" if scale > 0 else ""
    return f"^-?{integer}{fraction}$"


def _below(array: pa.Array, digits: int) -> pa.Array:
    """|v| < 10^digits (a bound the column's type holds)."""
    return pc.less(pc.abs(array), pa.scalar(Decimal(10) ** digits, array.type))


def _decimal_from_decimal(
    array: pa.Array, usable: pa.Array, target: pa.Decimal128Type
) -> tuple[pa.Array, pa.Array] | None:
    """decimal128(p, s) → decimal128 at the target's scale, where `usable`. Arrow rounds
    decimal128 by integer arithmetic (quotient and remainder by a power of ten), half away from
    zero like the reference, but a carry past its precision gives 0 without an error: only values
    with an integer digit to spare are rounded here. A value with more digits than the target
    holds takes the reference's error."""
    scale = array.type.scale
    wide = pc.cast(array, pa.decimal128(38, scale))
    room = 38 - scale  # integer digits the wide type holds
    ok = usable
    if scale > target.scale:
        if room < 2:
            return None
        ok = pc.and_(ok, _below(wide, room - 1))
        wide = pc.round(wide, ndigits=target.scale, round_mode="half_towards_infinity")
    integer_digits = target.precision - target.scale
    if integer_digits < room:  # p digits at scale s: |v| < 10^(p-s)
        ok = pc.and_(ok, _below(wide, integer_digits))
    return pc.cast(pc.if_else(ok, wide, pa.scalar(None, wide.type)), target), ok


def _narrow(array: pa.Array) -> tuple[pa.Array, pa.Array] | None:
    """(decimal128 column, ok) of a decimal256 column where its values have at most 38 digits
    (Arrow's decimal256 rounding is not exact: 99.99.. at scale 26 rounds to 99); None when no
    value can (a scale above 38)."""
    scale = array.type.scale
    if scale > 38:
        return None
    if array.type.precision <= 38:
        return pc.cast(array, pa.decimal128(38, scale)), pc.is_valid(array)
    wide = pc.cast(array, pa.decimal256(76, scale))
    fits = _below(wide, 38 - scale)
    return pc.cast(
        pc.if_else(fits, wide, pa.scalar(None, wide.type)), pa.decimal128(38, scale)
    ), fits


def _unscaled(array: pa.Array) -> tuple[pa.Array, pa.Array]:
    """The low and high 64 bits of each decimal128's integer (no copy; garbage under NULLs)."""
    data = array.buffers()[1]
    words = pa.Array.from_buffers(pa.int64(), 2 * (len(array) + array.offset), [None, data])
    pairs = pa.FixedSizeListArray.from_arrays(words, 2).slice(array.offset, len(array))
    return pc.list_element(pairs, 0), pc.list_element(pairs, 1)


def _decimal_from_float(array: pa.Array, target: pa.Decimal128Type) -> pa.Array | None:
    """A float64 column as decimal128(p, s) by Arrow's own cast, where that provably is the
    reference's `Decimal(repr(x))` rounded to s decimals; None (the text path decides) unless
    it holds for every value. Below 2^50 / 10^(s+1), decimals of s + 1 places are more than an
    ulp apart, so at most one of them rounds to x, and it is then x's shortest repr: the cast's
    result d is that one when d's integer divided by 10^s in float64 (exact operands, correctly
    rounded) gives x back. Such x need no rounding; the last cast refuses a d wider than p."""
    scale = target.scale
    if scale > 15:
        return None
    bound = 2.0**50 / 10 ** (scale + 1)
    if not pc.all(pc.or_kleene(pc.less(pc.abs(array), bound), pc.is_null(array))).as_py():
        return None
    cast = pc.cast(array, pa.decimal128(38, scale), safe=False)
    low, high = _unscaled(cast)
    back = pc.divide(pc.cast(low, pa.float64()), float(10**scale))
    ok = pc.and_(pc.equal(back, array), pc.equal(high, pc.if_else(pc.less(low, 0), -1, 0)))
    if not pc.all(pc.or_kleene(ok, pc.is_null(array))).as_py():
        return None
    return pc.cast(cast, target)


def _snapshot_decimal(
    array: pa.Array, target: pa.Decimal128Type
) -> tuple[pa.Array, pa.Array] | None:
    if pa.types.is_decimal256(array.type):
        narrow = _narrow(array)
        return None if narrow is None else _decimal_from_decimal(*narrow, target)
    if pa.types.is_decimal128(array.type):
        return _decimal_from_decimal(array, pc.is_valid(array), target)
    if pa.types.is_int64(array.type):
        wide = pc.cast(array, pa.decimal128(19, 0))
        return _decimal_from_decimal(wide, pc.is_valid(array), target)
    cast = _decimal_from_float(array, target) if pa.types.is_float64(array.type) else None
    if cast is not None:
        return cast, pc.is_valid(array)
    if pa.types.is_floating(array.type):  # shortest round-trip digits, as Python's repr
        return _decimal_from_text(pc.cast(array, pa.string()), target)
    if pa.types.is_string(array.type):
        return _decimal_from_text(array, target)
    return None


def _slice(array: pa.Array, start: int, stop: int) -> pa.Array:
    return pc.utf8_slice_codeunits(array, start, stop)


# `YYYY-MM-DD hh:mm:ss` (19 characters) and with a fraction of 0..7 digits (20..27): what turns
# each length into the snapshot's 7 digits.
_PADDING = {19: ".0000000", **{n: "0" * (27 - n) for n in range(20, 28)}}


def _one_length(array: pa.Array) -> int | None:
    """The byte length of every non-NULL value, None when they differ (or there are none)."""
    low, high = pc.min_max(pc.binary_length(array)).values()
    return None if low.as_py() != high.as_py() else low.as_py()


def _moment_text(array: pa.Array, family: str) -> tuple[pa.Array, pa.Array]:
    """(reshaped text, ok) for `YYYY-MM-DD[ T]hh:mm:ss[.f...]`, `YYYY-MM-DD` and `hh:mm:ss[.f]`
    (ASCII by the patterns, so character positions are fixed): day, `T`, clock, 7 digits."""
    if family == "time":
        clock = _join(_slice(array, 0, 8), _text("."), _slice(array, 9, 16), _text("0000000"))
        return _slice(clock, 0, 16), pc.match_substring_regex(array, _CLOCK_TEXT)
    ok = pc.match_substring_regex(array, _MOMENT_TEXT)
    some_days = not pc.all(pc.or_(ok, pc.is_null(array))).as_py()
    day = pc.match_substring_regex(array, _DAY_TEXT) if some_days else None
    if day is not None:
        ok = pc.or_(ok, day)
    if family == "date":
        return _slice(array, 0, 10), ok
    if day is None and (length := _one_length(array)) in _PADDING:
        # One layout for the whole column (the usual case): the blank becomes `T` and the
        # fraction is padded to 7 digits, in two kernels instead of six.
        moment = pc.replace_substring(array, " ", "T", max_replacements=1)
        return _join(moment, _text(_PADDING[length])), ok
    moment = _join(
        _slice(array, 0, 10),
        _text("T"),
        _slice(array, 11, 19),
        _text("."),
        _slice(array, 20, 27),
        _text("0000000"),
    )
    moment = _slice(moment, 0, 27)
    if day is not None:
        moment = pc.if_else(day, _join(array, _text("T00:00:00.0000000")), moment)
    return moment, ok


# Ticks per second of Arrow's time units, and the snapshot's moments 0001-01-01 .. 9999-12-31 in
# seconds from the Unix epoch (Python's datetime range: the reference refuses anything else).
_TICKS = {"s": 1, "ms": 10**3, "us": 10**6, "ns": 10**9}
_DAY_SECONDS = 86_400
_EPOCH = dt.datetime(1970, 1, 1)
_FIRST = int((dt.datetime(1, 1, 1) - _EPOCH).total_seconds())
_END = int((dt.datetime(9999, 12, 31) - _EPOCH).total_seconds()) + _DAY_SECONDS
_INT64 = (-(2**63), 2**63 - 1)


def _ticks_within(array: pa.Array, low: int, end: int, step: int) -> pa.Array:
    """`low <= ticks < end` and `ticks` a multiple of `step` (the integers of a temporal column)."""
    ticks = pc.cast(
        array.view(pa.int32() if array.type.bit_width == 32 else pa.int64()), pa.int64()
    )
    ok = pc.and_(
        pc.greater_equal(ticks, max(low, _INT64[0])), pc.less_equal(ticks, min(end - 1, _INT64[1]))
    )
    if step > 1:  # integer division truncates: whole multiples come back unchanged
        ok = pc.and_(ok, pc.equal(pc.multiply(pc.divide(ticks, step), step), ticks))
    return ok


def _micro_ticks(array: pa.Array, low: int, end: int) -> tuple[pa.Array, pa.Array]:
    """(ok, the column in microseconds where ok, NULL elsewhere) of a timestamp or time column:
    within `low .. end` seconds and without digits finer than the microseconds the reference's
    Python values hold (a nanosecond remainder takes the reference path, which refuses it)."""
    unit = array.type.unit
    per = _TICKS[unit]
    ok = _ticks_within(array, low * per, end * per, max(per // _TICKS["us"], 1))
    micro = pa.timestamp("us") if pa.types.is_timestamp(array.type) else pa.time64("us")
    return ok, pc.cast(pc.if_else(ok, array, pa.scalar(None, array.type)), micro)


def _temporal(array: pa.Array, family: str) -> tuple[pa.Array, pa.Array] | None:
    """(snapshot text, ok) of a timestamp (no time zone), date or time column: Arrow prints
    `YYYY-MM-DD hh:mm:ss.ffffff` (years zero-padded), `YYYY-MM-DD` and `hh:mm:ss.ffffff` at fixed
    positions, reshaped into `_text_time`'s pieces; None where the reference's pieces are odd
    (a time of day in a date column, ...) or the value is zoned."""
    kind = array.type
    if pa.types.is_timestamp(kind) and kind.tz is None:
        ok, micro = _micro_ticks(array, _FIRST, _END)
        text = pc.cast(micro, pa.string())
        day, clock = _slice(text, 0, 10), _join(_slice(text, 11, 26), _text("0"))
        pieces = {"date": day, "time": clock, "datetime": _join(day, _text("T"), clock)}
        return pieces[family], ok
    if pa.types.is_date(kind) and family in ("date", "datetime"):
        per_day = _DAY_SECONDS * 1000 if pa.types.is_date64(kind) else 1
        low, end = _FIRST // _DAY_SECONDS * per_day, _END // _DAY_SECONDS * per_day
        ok = _ticks_within(array, low, end, per_day)
        day = pc.cast(
            pc.cast(pc.if_else(ok, array, pa.scalar(None, kind)), pa.date32()), pa.string()
        )
        return (day if family == "date" else _join(day, _text("T00:00:00.0000000"))), ok
    if (pa.types.is_time32(kind) or pa.types.is_time64(kind)) and family == "time":
        ok, micro = _micro_ticks(array, 0, _DAY_SECONDS)
        return _join(pc.cast(micro, pa.string()), _text("0")), ok
    return None


def to_snapshot(
    array: pa.Array, sql_type: SqlType, target: pa.DataType, convert: Convert
) -> pa.Array:
    """The fetched column in the snapshot's Arrow type; `convert` is the reference converter."""
    if array.type == pa.null():
        return pa.nulls(len(array), target)
    fast = _snapshot_fast(array, sql_type, target)
    if fast is None:
        return _slow(array, convert, target)
    result, ok, source = fast
    return _patch(result, ok, source, convert, target)


def _snapshot_fast(
    array: pa.Array, sql_type: SqlType, target: pa.DataType
) -> tuple[pa.Array, pa.Array, pa.Array] | None:
    """(fast result, where it holds, the values the reference redoes) or None: no fast path."""
    info = sql_type.info
    valid = pc.is_valid(array)
    if isinstance(target, pa.Decimal128Type):
        try:
            result = _snapshot_decimal(array, target)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            return None  # out of range for the type: the reference rounds or names the value
        return None if result is None else (result[0], result[1], array)
    same = array.type == target
    if info.family in ("date", "time", "datetime") and pa.types.is_string(array.type):
        text, ok = _moment_text(array, info.family)
        return text, ok, array
    if info.family == "guid" and pa.types.is_string(array.type):
        ok = pc.match_substring_regex(array, _GUID_TEXT)
        return pc.utf8_upper(array), ok, array
    if info.family in ("date", "time", "datetime") and pa.types.is_temporal(array.type):
        moment = _temporal(array, info.family)
        return None if moment is None else (moment[0], moment[1], array)
    if info.family in ("guid", "date", "time", "datetime"):
        return None
    if same:
        return array, valid, array
    if target == pa.int64() and pa.types.is_integer(array.type):
        return pc.cast(array, pa.int64()), valid, array
    if target == pa.bool_() and pa.types.is_int64(array.type):
        return pc.not_equal(array, 0), valid, array
    if target == pa.float64() and pa.types.is_integer(array.type):
        return pc.cast(array, pa.float64(), safe=False), valid, array
    if target == pa.string() and pa.types.is_int64(array.type):
        return pc.cast(array, pa.string()), valid, array
    return None


# ---- render: snapshot column → literal texts --------------------------------------------------

# What `osddl.tsql.write` cuts out of a string literal (control and line-breaking characters, `$(`).
_CUT_TEXT = r"[\x00-\x1f\x{85}\x{2028}\x{2029}]|\$\("
_UPPER_GUID = r"^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$"
_CLOCK = r"([01]\d|2[0-3]):[0-5]\d:[0-5]\d\.\d{7}"
# A calendar day of the years 0001..9999: months of 31 and 30 days, February's 28, and the 29th
# in leap years (divisible by 4 but not by 100, or by 400), as one pattern (tests/test_columnar.py
# holds it to `datetime.date` over whole years).
_YEAR = r"(?:\d{3}[1-9]|\d{2}[1-9]\d|\d[1-9]\d{2}|[1-9]\d{3})"
_FOUR = r"(?:0[48]|[2468][048]|[13579][26])"  # two digits divisible by 4, not 00
_MONTH_DAY = (
    r"(?:(?:0[13578]|1[02])-(?:0[1-9]|[12]\d|3[01])|(?:0[469]|11)-(?:0[1-9]|[12]\d|30)"
    r"|02-(?:0[1-9]|1\d|2[0-8]))"
)
_DAY = rf"(?:{_YEAR}-{_MONTH_DAY}|(?:\d\d{_FOUR}|{_FOUR}00)-02-29)"
# Literal digits after the seconds per literal kind (`write._SHAPES`); None: no day part.
_TEMPORAL: dict[str, tuple[str, int | None]] = {
    "date": (f"^{_DAY}$", None),
    "time": (f"^{_CLOCK}$", 16),
    "datetime": (f"^{_DAY}T{_CLOCK}$", 23),
    "datetime2": (f"^{_DAY}T{_CLOCK}$", 27),
}


def _render_integer(array: pa.Array, sql_type: SqlType) -> tuple[pa.Array, pa.Array] | None:
    if not pa.types.is_integer(array.type):
        return None
    low, high = INTEGER_RANGES[sql_type.name]
    ok = pc.and_(pc.greater_equal(array, low), pc.less_equal(array, high))
    return pc.cast(array, pa.string()), ok


def _render_bit(array: pa.Array, sql_type: SqlType) -> tuple[pa.Array, pa.Array] | None:
    if not pa.types.is_boolean(array.type):
        return None
    return pc.if_else(array, _text("1"), _text("0")), pc.is_valid(array)


def _render_exact(array: pa.Array, sql_type: SqlType) -> tuple[pa.Array, pa.Array] | None:
    """Arrow's decimal text; it turns to scientific notation below 1e-6 (`0E-8`): zero is
    written here, other such values take the per-value path."""
    precision, scale = sql_type.precision_scale()
    if not isinstance(array.type, pa.Decimal128Type) or array.type.scale != scale:
        return None
    ok = pc.is_valid(array)
    if precision < 38:  # |v| < 10^(p-s): p digits at most
        bound = pa.scalar(Decimal(10) ** (precision - scale), pa.decimal128(38, scale))
        ok = pc.less(pc.abs(pc.cast(array, pa.decimal128(38, scale))), bound)
    text = pc.cast(array, pa.string())
    if scale > 6:
        zero = f"0.{'0' * scale}"
        text = pc.if_else(pc.match_substring_regex(text, r"^0E-\d+$"), _text(zero), text)
        ok = pc.and_(ok, pc.invert(pc.match_substring(text, "E")))
    return text, ok


def _render_approximate(array: pa.Array, sql_type: SqlType) -> tuple[pa.Array, pa.Array] | None:
    """Python's repr where both print fixed notation (1e-4 ≤ |v| < 1e16, no exponent from Arrow):
    the same shortest digits, `.0` added to whole numbers."""
    if not pa.types.is_float64(array.type):
        return None
    size = pc.abs(array)
    ok = pc.or_(
        pc.equal(array, 0.0),
        pc.and_(pc.greater_equal(size, 1e-4), pc.less(size, 1e16)),
    )
    text = pc.cast(array, pa.string())
    ok = pc.and_(ok, pc.invert(pc.match_substring(text, "e")))
    whole = pc.invert(pc.match_substring(text, "."))
    return pc.if_else(whole, _join(text, _text(".0")), text), ok


# Marks of the cut-literal assembly (private-use characters: a text holding one takes the
# per-value path).
_OPEN, _CLOSE, _PLUS = "\ue000", "\ue001", "\ue002"  # a quoted run starts, ends; " + " between
_MARKS = f"[{_OPEN}{_CLOSE}{_PLUS}]"
_CUT_CHARS = [*range(0x20), 0x85, 0x2028, 0x2029]


def _cut_literal(array: pa.Array, unicode: bool) -> pa.Array:
    """`CAST('' AS (n)varchar(max)) + '..' + NCHAR(n) + ..` for texts with characters that must
    not appear literally, as `write._render_text` builds it: quoted runs without empty ones, a
    CHAR/NCHAR call per cut character, and `$(` split between two runs."""
    quote, max_type = ("N'", "nvarchar(max)") if unicode else ("'", "varchar(max)")
    text = pc.replace_substring(array, "'", "''")
    for code in _CUT_CHARS:
        call = f"{'CHAR' if code < 0x80 and not unicode else 'NCHAR'}({code})"
        text = pc.replace_substring(text, chr(code), f"{_CLOSE}{_PLUS}{call}{_PLUS}{_OPEN}")
    text = pc.replace_substring(text, "$(", f"${_CLOSE}{_PLUS}{_OPEN}(")
    text = _join(_text(f"CAST({quote}' AS {max_type}){_PLUS}{_OPEN}"), text, _text(_CLOSE))
    for mark, replacement in (
        (_OPEN + _CLOSE, ""),  # empty runs
        (_PLUS + _PLUS, _PLUS),
        (_OPEN, quote),
        (_CLOSE, "'"),
    ):
        text = pc.replace_substring(text, mark, replacement)
    text = pc.replace_substring_regex(text, f"{_PLUS}$", "")
    return pc.replace_substring(text, _PLUS, " + ")


def _whole_text(array: pa.Array) -> pa.Array:
    """The bytes of all the strings of `array` as one string (no copy): a search there is one
    scan instead of one per value. A match can span two values (`$` + `(`), so a hit only says
    "maybe"; no hit says "in no value"."""
    offsets = memoryview(array.buffers()[1]).cast("i")
    start, end = offsets[array.offset], offsets[array.offset + len(array)]
    bounds = pa.array([start, end], pa.int64()).buffers()[1]
    return pa.Array.from_buffers(pa.large_string(), 1, [None, bounds, array.buffers()[2]])


def _render_text(array: pa.Array, sql_type: SqlType) -> tuple[pa.Array, pa.Array] | None:
    if not pa.types.is_string(array.type):
        return None
    unicode = sql_type.info.unicode
    whole = _whole_text(array)
    quotes = pc.match_substring(whole, "'")[0].as_py()
    escaped = pc.replace_substring(array, "'", "''") if quotes else array
    quoted = _join(_text("N'" if unicode else "'"), escaped, _text("'"))
    if not pc.match_substring_regex(whole, _CUT_TEXT)[0].as_py():
        return quoted, pc.is_valid(array)
    cut = pc.fill_null(pc.match_substring_regex(array, _CUT_TEXT), False)
    if not pc.any(cut).as_py():
        return quoted, pc.is_valid(array)
    cuts = pc.filter(array, cut)
    quoted = pc.replace_with_mask(quoted, cut, _cut_literal(cuts, unicode))
    if not pc.any(pc.match_substring_regex(cuts, _MARKS)).as_py():  # the marks stood for nothing
        return quoted, pc.is_valid(array)
    return quoted, pc.invert(pc.match_substring_regex(array, _MARKS))


def _render_guid(array: pa.Array, sql_type: SqlType) -> tuple[pa.Array, pa.Array] | None:
    if not pa.types.is_string(array.type):
        return None
    ok = pc.match_substring_regex(array, _UPPER_GUID)
    return _join(_text("'"), array, _text("'")), ok


def _render_temporal(array: pa.Array, sql_type: SqlType) -> tuple[pa.Array, pa.Array] | None:
    kind = KINDS[sql_type.name]
    if not pa.types.is_string(array.type) or kind not in _TEMPORAL:
        return None
    pattern, width = _TEMPORAL[kind]
    ok = pc.match_substring_regex(array, pattern)
    text = array if width is None else pc.utf8_slice_codeunits(array, 0, width)
    return _join(_text("'"), text, _text("'")), ok


_RENDER_KERNELS: dict[str, Callable[[pa.Array, SqlType], tuple[pa.Array, pa.Array] | None]] = {
    "integer": _render_integer,
    "bit": _render_bit,
    "exact": _render_exact,
    "approximate": _render_approximate,
    "ansi": _render_text,
    "unicode": _render_text,
    "guid": _render_guid,
    "date": _render_temporal,
    "time": _render_temporal,
    "datetime": _render_temporal,
    "datetime2": _render_temporal,
}


def render(array: pa.Array, sql_type: SqlType) -> pa.Array:
    """Literal texts of a snapshot column (`NULL` for nulls), equal to `literal` value by value;
    a value `literal` refuses raises its ValueError here too."""
    kind = KINDS.get(sql_type.name)
    kernel = _RENDER_KERNELS.get(kind or "")
    fast = kernel(array, sql_type) if kernel else None

    def slow(value: Any) -> str:
        return literal(value, sql_type)

    if fast is None:
        result = _slow(array, slow, pa.string())
    else:
        result = _patch(fast[0], fast[1], array, slow, pa.string())
    return pc.fill_null(result, _text("NULL"))

"""osddl.export.columnar: the whole-column fast paths give the bytes of the per-value reference
paths, for every SQL Server type of the type table, value by value and for whole tables rendered
through `render_table` (against a row-by-row oracle written here from `osddl.tsql.literal`)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, assume, given
from hypothesis import strategies as st

from osddl.export import columnar, dynamic
from osddl.export.dynamic import Column, TableLoad, render_table
from osddl.export.snapshot import arrow_field
from osddl.templating import render
from osddl.tsql import literal, quote
from osddl.tsql.types import TYPES, SqlType, TypeInfo, parse_sql_type
from tests.properties import examples, property_settings
from tests.uat_users_data import attribute

EXAMPLES = examples(60)
PROPERTY = property_settings(EXAMPLES, HealthCheck.function_scoped_fixture, HealthCheck.too_slow)

# ---- values a snapshot column (or a driver) can hold ------------------------------------------

HOSTILE = ["'", "''", "$(", "$(var)", "$", "\nGO\n", "GO", "\r\n", "\x00", "\x1f", "\x85"]
HOSTILE += ["\u2028", "\u2029", "N'", "Zoë Ångström 東京", "😀", "\t", " ", "-- x", "/*", "\ue001"]
TEXT = st.lists(st.sampled_from(HOSTILE) | st.text(max_size=6), max_size=5).map("".join)
DAYS = st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31)).map(
    lambda d: d.isoformat()
)
ODD_DAYS = st.sampled_from(["2023-02-30", "2023-13-01", "0000-01-01", "2023-04-31", "2024-02-29"])
CLOCKS = st.builds(
    "{:02d}:{:02d}:{:02d}.{:07d}".format,
    st.integers(0, 25),
    st.integers(0, 61),
    st.integers(0, 61),
    st.integers(0, 9_999_999),
)
MOMENTS = st.builds("{}T{}".format, DAYS | ODD_DAYS, CLOCKS)
GUIDS = st.uuids().map(str) | st.uuids().map(lambda u: str(u).upper()) | TEXT
FLOATS = st.floats(allow_nan=True, allow_infinity=True) | st.sampled_from(
    [0.0, -0.0, 1e-4, 9.999e-5, 1e16, 1e15 + 0.5, 123.0, 1.005, 2.675, 5e-324]
)


def _type_text(info: TypeInfo, draw: st.DrawFn) -> SqlType:
    if info.args == "precision_scale":
        precision = draw(st.integers(1, 38))
        return SqlType(info.name, precision=precision, scale=draw(st.integers(0, precision)))
    if info.args == "scale":
        return SqlType(info.name, scale=draw(st.integers(0, 7)))
    if info.args == "length":
        return SqlType(info.name, length=draw(st.sampled_from([1, 10, -1])))
    return SqlType(info.name)


def _snapshot_values(sql_type: SqlType) -> tuple[pa.DataType, st.SearchStrategy[Any]]:
    """The Arrow type of the snapshot column and values it may hold (also unfit ones)."""
    info = sql_type.info
    if info.kind == "integer":
        low, high = info.integer_range or (0, 0)
        return pa.int64(), st.integers(max(low - 2, -(2**63)), min(high + 2, 2**63 - 1))
    if info.kind == "bit":
        return pa.bool_(), st.booleans()
    if info.kind == "exact":
        precision, scale = sql_type.precision_scale()
        digits = st.integers(-(10 ** min(precision + 1, 37)) + 1, 10 ** min(precision + 1, 37) - 1)
        return pa.decimal128(38, scale), digits.map(lambda n: Decimal(n).scaleb(-scale))
    if info.kind == "approximate":
        return pa.float64(), FLOATS
    if info.kind == "binary":
        return pa.binary(), st.binary(max_size=8)
    if info.kind == "guid":
        return pa.string(), GUIDS
    if info.kind == "date":
        return pa.string(), DAYS | ODD_DAYS | TEXT
    if info.kind == "time":
        return pa.string(), CLOCKS | TEXT
    if info.family in ("datetime",):
        return pa.string(), MOMENTS | DAYS | TEXT
    return pa.string(), TEXT


@st.composite
def columns(draw: st.DrawFn) -> tuple[SqlType, pa.Array]:
    info = draw(st.sampled_from([t for t in TYPES if t.kind is not None]))
    sql_type = _type_text(info, draw)
    arrow, values = _snapshot_values(sql_type)
    drawn = draw(st.lists(st.none() | values, max_size=12))
    return sql_type, pa.array(drawn, type=arrow)


def _reference(values: list[Any], sql_type: SqlType) -> list[str] | None:
    """`literal` per value; None when it refuses one of them."""
    try:
        return [literal(v, sql_type) for v in values]
    except ValueError:
        return None


@PROPERTY
@given(column=columns())
def test_render_equals_literal_for_every_type(column: tuple[SqlType, pa.Array]) -> None:
    sql_type, array = column
    expected = _reference(array.to_pylist(), sql_type)
    if expected is None:
        with pytest.raises(ValueError):
            columnar.render(array, sql_type)
    else:
        assert columnar.render(array, sql_type).to_pylist() == expected


@pytest.mark.parametrize("info", [t for t in TYPES if t.kind is not None], ids=lambda t: t.name)
def test_every_type_with_a_literal_renders_through_the_kernels(info: TypeInfo) -> None:
    sql_type = SqlType(info.name)
    arrow, _ = _snapshot_values(sql_type)
    assert columnar.render(pa.array([None], arrow), sql_type).to_pylist() == ["NULL"]


@pytest.mark.parametrize(
    ("sql_type", "array"),
    [
        ("nvarchar(10)", pa.array(["a'b", "x\ny", "$(v)", "GO"])),
        ("int", pa.array([1, -5, 2**31 - 1])),
        ("decimal(18,4)", pa.array([Decimal("0.0100"), Decimal("-12.5000")], pa.decimal128(18, 4))),
        ("datetime", pa.array(["2020-01-01T10:00:00.1234567"])),
        ("uniqueidentifier", pa.array(["ABCDEF01-2345-6789-ABCD-EF0123456789"])),
    ],
)
def test_clean_columns_never_reach_the_per_value_path(
    sql_type: str, array: pa.Array, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The fast path is really taken (and `_patch` really redoes values: see the next test)."""
    parsed = parse_sql_type(sql_type)
    expected = [literal(v, parsed) for v in array.to_pylist()]
    monkeypatch.setattr(columnar, "literal", _refuse)
    assert columnar.render(array, parsed).to_pylist() == expected


def _refuse(*args: object) -> str:
    raise AssertionError(f"per-value path used for {args!r}")


def test_values_outside_the_fast_path_go_through_literal(monkeypatch: pytest.MonkeyPatch) -> None:
    parsed = parse_sql_type("nvarchar(10)")
    monkeypatch.setattr(columnar, "literal", _refuse)
    with pytest.raises(AssertionError, match="per-value path"):
        columnar.render(pa.array(["ok", "line\nbreak \ue000"]), parsed)


# ---- snapshot conversion: fetched column → snapshot type ---------------------------------------

FETCHED: dict[str, st.SearchStrategy[Any]] = {
    "int64": st.integers(-(2**63), 2**63 - 1),
    "float64": FLOATS.filter(lambda f: f == f and abs(f) != float("inf")),
    "string": TEXT | DAYS | MOMENTS | GUIDS | st.decimals(allow_nan=False).map(str),
    "binary": st.binary(max_size=8),
}


@st.composite
def fetched(draw: st.DrawFn) -> tuple[SqlType, pa.Array]:
    info = draw(st.sampled_from([t for t in TYPES if t.kind is not None]))
    sql_type = _type_text(info, draw)
    kind = draw(st.sampled_from(sorted(FETCHED)))
    # The reference converter of binary columns is `bytes`: an integer n would be n zero bytes.
    assume(not (info.arrow == "binary" and kind == "int64"))
    values = draw(st.lists(st.none() | FETCHED[kind], max_size=12))
    return sql_type, pa.array(values, type=getattr(pa, kind)())


def _assert_as_the_converter(sql_type: SqlType, array: pa.Array) -> None:
    """`to_snapshot` gives the reference converter's column, or fails where it fails."""
    target, convert = arrow_field(attribute("Col", sql_type.render()))
    try:
        expected = pa.array(
            [None if v is None else convert(v) for v in array.to_pylist()], type=target
        )
    except (ValueError, ArithmeticError, TypeError):
        with pytest.raises((ValueError, ArithmeticError, TypeError)):
            columnar.to_snapshot(array, sql_type, target, convert)
        return
    assert columnar.to_snapshot(array, sql_type, target, convert).equals(expected)


@PROPERTY
@given(column=fetched())
def test_snapshot_conversion_equals_the_converters(column: tuple[SqlType, pa.Array]) -> None:
    _assert_as_the_converter(*column)


# Arrow temporal and decimal columns (ADBC PostgreSQL: timestamp[us], date32, time64[us]; other
# drivers other units): ticks of every unit around and at the ends of 0001-01-01 .. 9999-12-31.
PER_SECOND = {"s": 1, "ms": 10**3, "us": 10**6, "ns": 10**9}
EPOCH = dt.datetime(1970, 1, 1)
FIRST = int((dt.datetime(1, 1, 1) - EPOCH).total_seconds())
END = int((dt.datetime(9999, 12, 31) - EPOCH).total_seconds()) + 86_400
INT64 = (-(2**63), 2**63 - 1)


def _ticks(low: int, end: int, per: int) -> st.SearchStrategy[int]:
    """Ticks of a unit with `per` ticks a second between seconds `low` and `end` (and a few
    beyond), often whole microseconds, at the ends, or just outside, within int64."""
    first, last = max(low * per, INT64[0]), min(end * per - 1, INT64[1])
    micro = max(per // 10**6, 1)
    edges = [first, last, first - 1, last + 1, 0, -1, first + micro, last - micro]
    inside = st.integers(-(-first // micro), last // micro).map(lambda n: n * micro)  # in int64
    return (
        inside
        | st.integers(first, last)
        | st.sampled_from([e for e in edges if INT64[0] <= e <= INT64[1]])
        | st.integers(*INT64)
    )


TEMPORAL_TYPES = [t for t in TYPES if t.family in ("date", "time", "datetime")]


@st.composite
def temporal_columns(draw: st.DrawFn) -> tuple[SqlType, pa.Array]:
    sql_type = _type_text(draw(st.sampled_from(TEMPORAL_TYPES)), draw)
    kind = draw(st.sampled_from(["timestamp", "date32", "date64", "time32", "time64"]))
    unit = draw(st.sampled_from({"time32": ["s", "ms"], "time64": ["us", "ns"]}.get(kind, ["s"])))
    if kind == "timestamp":
        unit = draw(st.sampled_from(sorted(PER_SECOND)))
        arrow, ticks = pa.timestamp(unit), _ticks(FIRST, END, PER_SECOND[unit])
    elif kind == "date32":
        arrow, ticks = pa.date32(), _ticks(FIRST // 86_400, END // 86_400, 1)
        ticks = ticks.filter(lambda n: -(2**31) <= n < 2**31)
    elif kind == "date64":
        arrow, ticks = pa.date64(), _ticks(FIRST, END, 1000)
    else:
        arrow, ticks = getattr(pa, kind)(unit), _ticks(0, 86_400, PER_SECOND[unit])
        ticks = ticks.filter(lambda n: kind == "time64" or -(2**31) <= n < 2**31)
    values = draw(st.lists(st.none() | ticks, max_size=12))
    storage = pa.int32() if arrow.bit_width == 32 else pa.int64()
    return sql_type, pa.array(values, storage).view(arrow)


@PROPERTY
@given(column=temporal_columns())
def test_temporal_columns_convert_as_the_converters(column: tuple[SqlType, pa.Array]) -> None:
    _assert_as_the_converter(*column)


TEMPORAL_TYPES = [t for t in TYPES if t.family in ("date", "time", "datetime")]


@st.composite
def moment_texts(draw: st.DrawFn) -> tuple[SqlType, pa.Array]:
    """Driver text of one layout for a whole column (SQLite's usual case): `YYYY-MM-DD`, a blank
    or `T`, `hh:mm:ss`, and no fraction, a bare `.` or 1..9 digits; some values of another
    layout or of the same length but not a moment at all."""
    sql_type = _type_text(draw(st.sampled_from(TEMPORAL_TYPES)), draw)
    separator = draw(st.sampled_from([" ", "T"]))
    digits = draw(st.none() | st.integers(0, 9))

    def text(moment: dt.datetime) -> str:
        clock = moment.strftime("%H:%M:%S")
        fraction = "" if digits is None else "." + f"{moment.microsecond:06d}000"[:digits]
        return f"{moment.date().isoformat()}{separator}{clock}{fraction}"

    moments = st.datetimes(min_value=dt.datetime(1, 1, 1)).map(text)
    odd = st.sampled_from(["2023-02-30 10:00:00", "2023-01-01", "2023-01-01 10:00:00.123456789"])
    others = odd if draw(st.booleans()) else st.nothing()
    values = draw(st.lists(st.none() | moments | others))
    return sql_type, pa.array(values, pa.string())


@PROPERTY
@given(column=moment_texts())
def test_moment_text_of_one_layout_converts_as_the_converters(
    column: tuple[SqlType, pa.Array],
) -> None:
    _assert_as_the_converter(*column)


DECIMAL_TYPES = [t for t in TYPES if t.arrow == "decimal"]


@st.composite
def decimal_columns(draw: st.DrawFn) -> tuple[SqlType, pa.Array]:
    """decimal128/256 columns at any scale, with values half-way between two of the target's."""
    sql_type = _type_text(draw(st.sampled_from(DECIMAL_TYPES)), draw)
    target = sql_type.precision_scale()[1]
    wide = draw(st.booleans())
    precision = draw(st.integers(1, 76 if wide else 38))
    scale = draw(st.integers(0, precision))
    top = 10**precision - 1
    below = scale - target  # digits the target rounds off
    half = st.integers(-top // 10, top // 10).map(lambda n: n * 10 + (5 if n >= 0 else -5))
    halves = half.map(lambda n: n * 10 ** (below - 1)) if below > 0 else st.nothing()
    coefficient = (st.integers(-top, top) | st.sampled_from([top, -top, 0]) | halves).filter(
        lambda n: abs(n) <= top
    )
    values = draw(st.lists(st.none() | coefficient.map(lambda n: Decimal(f"{n}E-{scale}"))))
    arrow = (pa.decimal256 if wide else pa.decimal128)(precision, scale)
    return sql_type, pa.array(values, arrow)


@PROPERTY
@given(column=decimal_columns())
def test_decimal_columns_convert_as_the_converter(column: tuple[SqlType, pa.Array]) -> None:
    _assert_as_the_converter(*column)


@st.composite
def decimal_floats(draw: st.DrawFn) -> tuple[SqlType, pa.Array]:
    """float64 columns as SQLite gives DECIMAL(p,s) values: mostly the doubles nearest to numbers
    of at most s decimals (Arrow's own cast is taken then), from tiny to past the bound of that
    shortcut, sometimes with a double of more decimals (a half-way one too), -0.0 or NULL."""
    wide = st.sampled_from(["decimal(38,0)", "numeric(20,1)"]).map(parse_sql_type)
    sql_type = draw(wide | st.sampled_from(DECIMAL_TYPES).map(lambda t: _type_text(t, draw)))
    scale = sql_type.precision_scale()[1]
    digits = draw(st.integers(1, 17))
    exact = st.integers(-(10**digits), 10**digits).map(lambda n: n / 10**scale)
    # Past 2^53 a double's digits are not its shortest repr's (2^60 prints as 1.152921504606847e18).
    big = [2.0**50, 2.0**60, -(2.0**57) - 2**5, 123456789012345678.0, 9.5e15]
    odd = st.sampled_from([1.00005, -2.675, 0.1 + 0.2, 1e-300, -0.0, *big])
    others = odd | FLOATS if draw(st.booleans()) else st.nothing()
    values = draw(st.lists(st.none() | exact | others, max_size=12))
    return sql_type, pa.array(values, pa.float64())


@PROPERTY
@given(column=decimal_floats())
def test_decimal_floats_convert_as_the_converter(column: tuple[SqlType, pa.Array]) -> None:
    _assert_as_the_converter(*column)


def test_a_float_column_of_few_decimals_takes_arrows_cast(monkeypatch: pytest.MonkeyPatch) -> None:
    """The shortcut is taken (the text path is not), and refused for a value with more
    decimals than the column keeps."""
    texts: list[int] = []
    original = columnar._decimal_from_text

    def spy(text: pa.Array, target: pa.Decimal128Type) -> Any:
        texts.append(len(text))
        return original(text, target)

    monkeypatch.setattr(columnar, "_decimal_from_text", spy)
    decimal = parse_sql_type("decimal(18,4)")
    _assert_as_the_converter(decimal, pa.array([-13176871.3929, 0.1, None, 5.0]))
    assert texts == []
    _assert_as_the_converter(decimal, pa.array([1.5, 1.00005]))
    assert texts == [2]


@pytest.mark.parametrize(
    "array",
    [
        pa.array(["999999999999999999999.995", "1.005"]),
        pa.array([Decimal("999999999999999999999999999999999.99999")], pa.decimal128(38, 5)),
        pa.array([Decimal(f"{'9' * 32}.{'9' * 26}")], pa.decimal256(76, 26)),
    ],
)
def test_a_carry_past_arrows_precision_is_not_lost(array: pa.Array) -> None:
    """Arrow's rounding gives 0 for a carry past its precision (decimal256: no carry at all)."""
    _assert_as_the_converter(parse_sql_type("decimal(38,2)"), array)


@pytest.mark.parametrize(
    ("sql_type", "array"),
    [
        ("datetime2(7)", pa.array([dt.datetime(1, 1, 1), dt.datetime(999, 12, 31, 1, 2, 3, 4)])),
        ("datetime", pa.array([dt.datetime(9999, 12, 31, 23, 59, 59, 999_999), None])),
        ("date", pa.array([dt.datetime(2020, 2, 29, 10, 0, 0, 5)], pa.timestamp("ns"))),
        ("time(7)", pa.array([dt.datetime(1969, 12, 31, 23, 59, 59, 1)], pa.timestamp("ms"))),
        ("date", pa.array([dt.date(1, 1, 1), dt.date(999, 1, 2), None])),
        ("datetime2(3)", pa.array([dt.date(9999, 12, 31)], pa.date64())),
        ("time(7)", pa.array([dt.time(0, 0), dt.time(23, 59, 59, 999_999)])),
        ("time(7)", pa.array([dt.time(12, 0, 1)], pa.time32("s"))),
        ("decimal(10,2)", pa.array([Decimal("1.005"), Decimal("-1.005"), Decimal("-0.004")])),
        ("money", pa.array([Decimal("0.000050"), Decimal("-123.5")], pa.decimal256(40, 6))),
    ],
)
def test_clean_temporal_and_decimal_columns_never_reach_the_converter(
    sql_type: str, array: pa.Array
) -> None:
    """The fast path is really taken: a refusing converter is never called."""
    parsed = parse_sql_type(sql_type)
    target, convert = arrow_field(attribute("Col", sql_type))
    expected = pa.array([None if v is None else convert(v) for v in array.to_pylist()], target)
    assert columnar.to_snapshot(array, parsed, target, _refuse).equals(expected)


@pytest.mark.parametrize(
    ("sql_type", "array"),
    [
        ("date", pa.array([0, 1], pa.date64())),  # not a whole day
        ("time(7)", pa.array([0, 86_400], pa.time32("s"))),  # past midnight
        ("datetime", pa.array([dt.datetime(2020, 1, 1)], pa.timestamp("us", tz="UTC"))),
        ("datetime", pa.array([dt.time(1, 2)])),  # `_text_time`'s odd pieces
        ("decimal(3,2)", pa.array([Decimal("0.5"), Decimal("9.995")])),  # rounds past 3 digits
    ],
)
def test_values_outside_the_fast_path_reach_the_converter(sql_type: str, array: pa.Array) -> None:
    parsed = parse_sql_type(sql_type)
    target, _ = arrow_field(attribute("Col", sql_type))
    with pytest.raises(AssertionError, match="per-value path"):
        columnar.to_snapshot(array, parsed, target, _refuse)


@pytest.mark.parametrize(
    "array",
    [
        pa.array([0, 1], pa.timestamp("ns")),  # a nanosecond: no digit is dropped silently
        pa.array([0, END], pa.timestamp("s")),  # year 10000
        pa.array([0, -(2**31)], pa.date32()),
    ],
)
def test_values_python_cannot_hold_fail_as_on_the_reference_path(array: pa.Array) -> None:
    target, convert = arrow_field(attribute("Col", "datetime2(7)"))
    with pytest.raises((ValueError, OverflowError)):
        array.to_pylist()
    with pytest.raises((ValueError, OverflowError)):
        columnar.to_snapshot(array, parse_sql_type("datetime2(7)"), target, convert)


# ---- whole tables through render_table, against a row-by-row oracle ---------------------------

TABLE_TYPES = ["int", "bigint", "bit", "decimal(9,3)", "nvarchar(20)", "varchar(max)", "datetime"]
TABLE_TYPES += ["datetime2(7)", "date", "time(7)", "uniqueidentifier", "float", "varbinary(8)"]


@st.composite
def tables(draw: st.DrawFn) -> tuple[TableLoad, pa.Table, int]:
    names = draw(st.lists(st.sampled_from(TABLE_TYPES), min_size=1, max_size=5))
    rows = draw(st.integers(0, 40))
    keys = list(range(1, rows + 1))
    data: dict[str, pa.Array] = {"ID": pa.array(keys, pa.int64())}
    columns = [Column("ID", "Id", parse_sql_type("int"))]
    for index, name in enumerate(names):
        sql_type = parse_sql_type(name)
        arrow, values = _snapshot_values(sql_type)
        if sql_type.info.kind == "exact":  # a fit value: a refused one is the next test's
            values = st.decimals(-999_999, 999_999, places=3)
            arrow = pa.decimal128(9, 3)
        if sql_type.info.kind == "integer":
            values = st.integers(-(2**31), 2**31 - 1)
        cells = draw(st.lists(st.none() | values, min_size=rows, max_size=rows))
        data[f"C{index}"] = pa.array(cells, arrow)
        columns.append(Column(f"C{index}", f"Col]{index}", sql_type))
    parents = draw(st.lists(st.none() | st.integers(0, rows + 2), min_size=rows, max_size=rows))
    data["PARENT"] = pa.array(parents, pa.int64())
    columns.append(Column("PARENT", "Parent", parse_sql_type("int")))
    load = TableLoad("M", "E", "dbo", "OSUSR_E", "E", columns, ["ID"], draw(st.booleans()))
    load.self_references = draw(st.sampled_from([set(), {"PARENT"}]))
    load.deferred = set(draw(st.sets(st.sampled_from([c.physical for c in columns[1:-1]]))))
    return load, pa.table(data), draw(st.integers(1, 7))


def _oracle(load: TableLoad, table: pa.Table, batch_rows: int) -> tuple[str, str]:
    """The DynamicData text and deferred fragment, value by value through `literal`."""
    rows = table.to_pylist()
    seen: set[Any] = set()
    updates: list[str] = []
    batches = []
    emitted = {c.physical: c.emitted for c in load.columns}
    for start in range(0, len(rows), batch_rows):
        tuples = []
        for row in rows[start : start + batch_rows]:
            cells = {c.physical: literal(row[c.physical], c.sql_type) for c in load.columns}
            if load.self_references:
                seen.add(row["ID"])
            key = f"{quote('Id')} = {cells['ID']}"
            for column in load.columns:
                raw = row[column.physical]
                late = column.physical in load.deferred or (
                    column.physical in load.self_references and raw is not None and raw not in seen
                )
                if late and cells[column.physical] != "NULL":
                    updates.append(
                        f"UPDATE {load.table} SET {quote(emitted[column.physical])} = "
                        f"{cells[column.physical]} WHERE {key};"
                    )
                    cells[column.physical] = "NULL"
            tuples.append("    (" + ", ".join(cells[c.physical] for c in load.columns) + ")")
        batches.append(
            render(
                "data/batch.sql.j2",
                table=load.table,
                columns=", ".join(quote(c.emitted) for c in load.columns),
                tuples=",\n".join(tuples),
            )
        )
    header = render("data/header.sql.j2", load=load, rows=len(rows), table=load.table)
    footer = render("data/footer.sql.j2", load=load, table=load.table)
    return header + "".join(batches) + footer, "".join(u + "\n" for u in updates)


@PROPERTY
@given(case=tables())
def test_render_table_equals_the_row_by_row_oracle(
    case: tuple[TableLoad, pa.Table, int], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    load, table, batch_rows = case
    monkeypatch.setattr(dynamic, "RUN_BATCHES", 3)  # runs of batches end inside the table
    snapshot = tmp_path / "t.parquet"
    pq.write_table(table, snapshot, row_group_size=5)
    try:
        expected = _oracle(load, table, batch_rows)
    except ValueError:
        with pytest.raises(ValueError):
            render_table(load, snapshot, tmp_path / "t.sql", tmp_path / "t.frag", batch_rows)
        return
    render_table(load, snapshot, tmp_path / "t.sql", tmp_path / "t.frag", batch_rows)
    assert (tmp_path / "t.sql").read_bytes() == expected[0].encode()
    assert (tmp_path / "t.frag").read_bytes() == expected[1].encode()


def test_the_oracle_sees_a_forward_self_reference(tmp_path: Path) -> None:
    """The whole-table property can fail: a forward reference becomes NULL plus an UPDATE."""
    columns = [
        Column("ID", "Id", parse_sql_type("int")),
        Column("PARENT", "P", parse_sql_type("int")),
    ]
    load = TableLoad("M", "E", "dbo", "T", "T", columns, ["ID"], False, self_references={"PARENT"})
    table = pa.table({"ID": [1, 2, 3], "PARENT": [3, 1, 3]})
    pq.write_table(table, tmp_path / "t.parquet")
    render_table(load, tmp_path / "t.parquet", tmp_path / "t.sql", tmp_path / "t.frag", 2)
    assert (tmp_path / "t.frag").read_text() == "UPDATE [dbo].[T] SET [P] = 3 WHERE [Id] = 1;\n"
    assert "    (1, NULL),\n    (2, 1);" in (tmp_path / "t.sql").read_text()
    assert _oracle(load, table, 2) == (
        (tmp_path / "t.sql").read_text(),
        (tmp_path / "t.frag").read_text(),
    )


YEARS = [1, 4, 100, 400, 1600, 1700, 1752, 1753, 1900, 1996, 2000, 2023, 2024, 2100, 2400, 9996,
         9999]  # fmt: skip


def test_the_day_pattern_accepts_exactly_the_calendar_days() -> None:
    """Every YYYY-MM-DD text with month 00..13 and day 00..32 of leap and common years, centuries
    and the edges: the render's day pattern accepts it iff `datetime.date` does."""
    texts = [f"{y:04}-{m:02}-{d:02}" for y in YEARS for m in range(14) for d in range(33)]
    texts += ["0000-01-01", "0000-02-29"]
    accepted = pc.match_substring_regex(pa.array(texts), f"^{columnar._DAY}$").to_pylist()
    for text, ok in zip(texts, accepted, strict=True):
        try:
            dt.date.fromisoformat(text)
            real = True
        except ValueError:
            real = False
        assert ok == real, text


@pytest.mark.parametrize("sql_type", ["nvarchar(max)", "varchar(max)"])
def test_texts_holding_the_renders_own_marks_render_as_literal(sql_type: str) -> None:
    """The cut-literal kernel marks runs with private-use characters: a text holding one of them
    beside a cut character takes the per-value path; texts around it keep the fast one."""
    marks = [columnar._OPEN, columnar._CLOSE, columnar._PLUS]
    values = ["plain", None, "a\nb", *(f"x{m}\ny" for m in marks), *(f"z{m}" for m in marks)]
    parsed = parse_sql_type(sql_type)
    expected = [literal(v, parsed) for v in values]
    assert columnar.render(pa.array(values, pa.string()), parsed).to_pylist() == expected
    without = [v for v in values if not (v and any(m in v for m in marks) and "\n" in v)]
    assert columnar.render(pa.array(without, pa.string()), parsed).to_pylist() == [
        literal(v, parsed) for v in without
    ]

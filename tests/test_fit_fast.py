"""The fast fit checks (`osddl.proofs.fit_columns`, `osddl.proofs.fit_inserts`) find what the
per-value path finds.

Properties: a cell the column check clears (also in its common form, the whole-INSERT patterns'
cells) is one the exact path (`read_cell` then `misfit`) reads and finds fitting, for every type of
the type table and literal texts at and just past every limit; `between` accepts exactly the texts
between its bounds; whole tables rendered by the real renderer (`render_table`), checked against
emitted types at, below and beside the rendered ones, give the per-value proof document exactly.
Targeted scripts hold that a whole INSERT is cleared only when every cell fits and the batch has
the renderer's layout, and that a failure names the per-value path's file, batch, row and column.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, assume, given
from hypothesis import strategies as st

from osddl.export.dynamic import Column, TableLoad, render_table
from osddl.proofs import fit
from osddl.proofs.fit import misfit, verify_fit
from osddl.proofs.fit_columns import between, column_check
from osddl.proofs.fit_inserts import cleared_rows
from osddl.tsql.scan import read_cell
from osddl.tsql.types import INTEGER_RANGES, TYPES, SqlType, parse_sql_type
from tests.properties import examples, property_settings

EXAMPLES = examples(60)
PROPERTY = property_settings(
    EXAMPLES,
    HealthCheck.function_scoped_fixture,
    HealthCheck.too_slow,
    HealthCheck.filter_too_much,
)


def fits(cell: str, sql_type: SqlType) -> bool:
    """The exact path: the cell reads as a value of the type and the value fits."""
    try:
        return misfit(read_cell(cell, sql_type), sql_type) is None
    except (ValueError, KeyError):
        return False


# ---- cells at and past every limit ------------------------------------------------------------

LIMITS = sorted(
    {b + d for low, high in INTEGER_RANGES.values() for b in (low, high) for d in (-1, 0, 1)}
)
POWERS = [10**k + d for k in range(0, 20) for d in (-1, 0)]
INTEGERS = st.sampled_from(LIMITS + POWERS + [-p for p in POWERS]) | st.integers(-(10**20), 10**20)
DIGITS = st.text("0123456789", min_size=1, max_size=22)
NUMBERS = st.one_of(
    INTEGERS.map(str),
    st.builds(
        "{}{}{}".format,
        st.sampled_from(["", "-"]),
        DIGITS | st.sampled_from(["0", "00", "007"]),
        st.sampled_from(["", ".0", ".5"]) | DIGITS.map(".{}".format),
    ),
    st.sampled_from(["1e5", "-2.5E-3", "922337203685477.5807", "922337203685477.5808"]),
    st.sampled_from(["214748.3647", "214748.3648", "-214748.3648", "-214748.3649", "-0"]),
)
CHARACTERS = st.sampled_from(["x", "'", "é", "東", "😀", "\n", "\x00", "\U0010ffff", " "])
TEXTS = st.lists(CHARACTERS | st.text(max_size=3), max_size=14).map("".join)
STRINGS = st.one_of(
    st.builds(
        "{}'{}'".format, st.sampled_from(["", "N"]), TEXTS.map(lambda t: t.replace("'", "''"))
    ),
    st.builds("N'a' + NCHAR({})".format, st.integers(0, 70000)),
    st.just("CAST(N'' AS NVARCHAR(MAX)) + N'x' + NCHAR(10)"),
    st.just("CAST('' AS VARCHAR(MAX)) + 'x' + CHAR(10)"),
)
BINARIES = st.text("0123456789abcdefABCDEF", max_size=21).map("0x{}".format)
GUIDS = st.uuids().map(lambda u: f"'{str(u).upper()}'") | st.uuids().map(lambda u: f"'{u}'")
EDGE_DAYS = ["0000-01-01", "0001-01-01", "1752-12-31", "1753-01-01", "1899-12-31", "1900-01-01"]
EDGE_DAYS += ["2079-06-06", "2079-06-07", "9999-12-31", "2023-02-29", "2024-02-29", "2023-02-30"]
EDGE_DAYS += ["2023-04-31", "2023-04-30", "2023-13-01", "2023-12-32"]
DAYS = st.sampled_from(EDGE_DAYS) | st.dates(dt.date(1, 1, 1)).map(dt.date.isoformat)
FRACTIONS = st.one_of(
    st.integers(0, 999).map("{:03}".format),
    st.integers(0, 9_999_999).map("{:07}".format),
    st.builds("{}{}".format, st.integers(0, 9999).map("{:04}".format), st.just("000")),
    st.sampled_from(["1230000", "1000000", "0000000", "9999999", "00", "12345678"]),
)
CLOCKS = st.builds(
    "{:02}:{:02}:{:02}.{}".format,
    st.integers(0, 24),
    st.integers(0, 60),
    st.sampled_from([0, 29, 30, 59, 60]) | st.integers(0, 59),
    FRACTIONS,
)
OFFSETS = st.sampled_from(["", "+02:00", "-14:00", "+14:59", "+15:00"])
MOMENTS = st.one_of(
    st.builds("'{}T{}{}'".format, DAYS, CLOCKS, OFFSETS),
    st.builds("'{}'".format, DAYS),
    st.builds("'{}'".format, CLOCKS),
)
# The literal forms a column of each kind meets most (the others are drawn too, less often).
BY_KIND: dict[str, st.SearchStrategy[str]] = {
    "bit": NUMBERS | st.sampled_from(["0", "1", "2"]),
    "integer": NUMBERS,
    "exact": NUMBERS,
    "approximate": NUMBERS | BINARIES,
    "unicode": STRINGS,
    "ansi": STRINGS,
    "binary": BINARIES,
    "guid": GUIDS,
}
ANY_CELL = st.one_of(st.just("NULL"), NUMBERS, STRINGS, BINARIES, GUIDS, MOMENTS)


@st.composite
def sql_types(draw: st.DrawFn) -> SqlType:
    info = draw(st.sampled_from(TYPES))
    if info.args == "precision_scale":
        precision = draw(st.integers(1, 38))
        scale = draw(st.integers(0, precision))
        return SqlType(info.name, precision=precision, scale=scale)
    if info.args == "scale":
        return SqlType(info.name, scale=draw(st.none() | st.integers(0, 7)))
    if info.args == "length":
        return SqlType(info.name, length=draw(st.none() | st.integers(1, 12) | st.just(-1)))
    return SqlType(info.name)


@st.composite
def columns(draw: st.DrawFn) -> tuple[SqlType, list[str]]:
    sql_type = draw(sql_types())
    kind = sql_type.info.kind or ""
    cells = BY_KIND.get(kind, MOMENTS) if kind else ANY_CELL
    return sql_type, draw(st.lists(st.one_of(cells, cells, cells, ANY_CELL), max_size=12))


@PROPERTY
@given(column=columns())
def test_a_cleared_cell_fits_by_the_exact_path(column: tuple[SqlType, list[str]]) -> None:
    sql_type, cells = column
    check = column_check(sql_type)
    suspects = set(check.suspects(cells))
    for index, cell in enumerate(cells):
        if index not in suspects:
            assert fits(cell, sql_type), (cell, sql_type)
        if re.fullmatch(check.form, cell):  # a whole-INSERT pattern's cell: fits, holds no LF
            assert index not in suspects and "\n" not in cell, (cell, sql_type)
        # a cell cleared on its own is cleared in any column (and the other way round)
        assert (index in suspects) == bool(column_check(sql_type).suspects([cell]))


# type → (cells that fit and are cleared by their text, cells at or just past a limit that do not
# fit: sent to the exact path).
CASES: dict[str, tuple[list[str], list[str]]] = {
    "bit": (["0", "1", "NULL"], ["2", "-1", "01", "1.0"]),
    "tinyint": (["99", "0", "00"], ["256", "-1", "1.0", "1e2", "N'1'"]),
    "int": (["999999999", "-999999999"], ["2147483648", "-2147483649", "99999999999"]),
    "bigint": (["-999999999999999999"], ["9223372036854775808", "-9223372036854775809"]),
    "decimal(18,4)": (
        ["99999999999999.9999", "0.5", "-1", "007.5"],
        ["123456789012345.0", "1.00001"],
    ),
    "decimal(4,4)": (["0.1234", "-0.5", "0"], ["1.0", "0.12345", "-1"]),
    "decimal(5,0)": (["99999", "-5"], ["1.0", "100000", "1e1"]),
    "numeric": (["999999999999999999"], ["9999999999999999999", "0.5"]),
    "money": (["99999999999999.12345", "-1"], ["922337203685477.5808", "-922337203685477.5809"]),
    "smallmoney": (["99999.99999"], ["214748.3648", "-214748.3649", "1e1"]),
    "float": (["1e308", "-2.5", "0"], ["0x", "0x01", "N'1'", "'1'"]),
    "nvarchar(3)": (
        ["N'abc'", "N'a''b'", "N''''''", "N''"],
        ["N'abcd'", "N'a😀x'", "'abc'", "N''''''''''"],
    ),
    "nvarchar": (["N'a'"], ["N'ab'", "N'😀'"]),
    "nchar(2)": (["N'ab'"], ["N'abc'", "N'a😀'"]),
    "nvarchar(max)": (["N'😀😀😀 it''s'", "N''"], ["'x'"]),
    "ntext": (["N'😀 x'"], ["'x'", "N'a' + NCHAR(10)"]),
    "varchar(2)": (["'😀x'", "'a'''", "''"], ["'abc'", "N'ab'", "'a''b'''"]),
    "char": (["'x'"], ["'ab'"]),
    "varbinary(2)": (["0x", "0xABcd"], ["0x010203", "0xABC", "1"]),
    "binary": (["0x01"], ["0x0102"]),
    "image": (["0x0102030405"], ["0x012"]),
    "uniqueidentifier": (
        ["'ABCDEF01-2345-6789-ABCD-EF0123456789'"],
        [
            "'abcdef01-2345-6789-ABCD-EF0123456789'",
            "'ABCDEF01-2345-6789-ABCD-EF012345678a'",
            "N'ABCDEF01-2345-6789-ABCD-EF0123456789'",
        ],
    ),
    "date": (
        ["'2024-02-28'", "'0001-01-01'", "'9999-12-31'"],
        ["'0000-01-01'", "'2023-02-29'", "'2023-04-31'", "'2023-02-30'"],
    ),
    "datetime": (
        ["'1753-01-01T00:00:00.000'", "'2020-01-01T00:00:00.003'", "'9999-12-31T23:59:59.997'"],
        ["'1752-12-31T23:59:59.997'", "'2020-01-01T00:00:00.005'", "'2020-01-01T00:00:00.1230000'"],
    ),
    "smalldatetime": (
        ["'1900-01-01T00:00:00.000'", "'2079-06-06T23:59:00.000'"],
        ["'2079-06-07T00:00:00.000'", "'1899-12-31T23:59:00.000'", "'2020-01-01T00:00:30.000'"],
    ),
    "datetime2(3)": (["'2020-01-01T00:00:00.1230000'"], ["'2020-01-01T00:00:00.1234000'"]),
    "datetime2(0)": (["'2020-01-01T00:00:59.0000000'"], ["'2020-01-01T00:00:00.5000000'"]),
    "datetime2": (["'0001-01-01T00:00:00.1234567'"], ["'2020-01-01T00:00:00.123'"]),
    "time(1)": (["'12:00:00.1000000'"], ["'12:00:00.1200000'", "'24:00:00.0000000'"]),
    "datetimeoffset(1)": (
        ["'2020-01-01T00:00:00.1000000+14:00'"],
        ["'2020-01-01T00:00:00.1200000+01:00'", "'2020-01-01T00:00:00.1000000+15:00'"],
    ),
    "rowversion": (["NULL"], ["0x01"]),
}


@pytest.mark.parametrize("sql_type", sorted(CASES))
def test_the_text_rules_clear_what_fits_and_only_that(sql_type: str) -> None:
    """Each rule can fail: cells just past a limit are sent to the exact path (alone and among
    fitting cells, the column's first pass then the cell by cell one), fitting ones are not."""
    parsed = parse_sql_type(sql_type)
    good, bad = CASES[sql_type]
    assert all(fits(c, parsed) for c in good) and not any(fits(c, parsed) for c in bad)
    check = column_check(parsed)
    assert not check.suspects(good)
    for cell in bad:
        assert check.suspects([*good, cell, *good]) == [len(good)], cell


def test_the_datetime_clock_rule_is_clock_misfit_s() -> None:
    """The residues enumerated through `clock_misfit`: every millisecond of every second of a few
    hours is cleared exactly when the exact path keeps it."""
    for type_text in ("datetime", "smalldatetime"):
        sql_type = parse_sql_type(type_text)
        cells = [
            f"'2020-01-01T{h:02}:{m:02}:{s:02}.{ms:03}'"
            for h, m in ((0, 0), (13, 59), (23, 59))
            for s in (0, 1, 30, 59)
            for ms in range(1000)
        ]
        suspects = set(column_check(sql_type).suspects(cells))
        assert [i for i, c in enumerate(cells) if not fits(c, sql_type)] == sorted(suspects)


# ---- whole tables through render_table ----------------------------------------------------------

# What a column is rendered as, its snapshot values, and the emitted types it is checked against
# (at, below and beside the rendered one: past-limit values and unreadable literals included).
RENDERED: dict[str, tuple[pa.DataType, st.SearchStrategy[Any], list[str]]] = {
    "bigint": (
        pa.int64(),
        st.sampled_from([v for v in LIMITS if abs(v) < 2**63]) | st.integers(-(2**40), 2**40),
        ["tinyint", "smallint", "int", "bigint", "decimal(5,0)", "bit", "nvarchar(5)"],
    ),
    "decimal(38,4)": (
        pa.decimal128(38, 4),
        st.integers(-(10**20), 10**20).map(lambda n: Decimal(n).scaleb(-4)),
        ["decimal(18,4)", "decimal(19,2)", "numeric(10,4)", "money", "smallmoney", "int"],
    ),
    "nvarchar(max)": (
        pa.string(),
        TEXTS,
        ["nvarchar(1)", "nvarchar(5)", "nchar(10)", "nvarchar(max)", "ntext", "varchar(5)"],
    ),
    "varchar(max)": (pa.string(), TEXTS, ["varchar(3)", "char(8)", "text", "nvarchar(5)"]),
    "varbinary(max)": (pa.binary(), st.binary(max_size=9), ["varbinary(4)", "binary(8)", "image"]),
    "datetime": (
        pa.string(),
        st.builds("{}T{}".format, DAYS, CLOCKS),
        ["datetime", "smalldatetime", "datetime2(3)", "date"],
    ),
    "datetime2(7)": (
        pa.string(),
        st.builds("{}T{}".format, DAYS, CLOCKS),
        ["datetime2(0)", "datetime2(3)", "datetime2(7)", "datetime", "datetimeoffset(7)"],
    ),
    "time(7)": (pa.string(), CLOCKS, ["time(0)", "time(4)", "time(7)", "time"]),
    "date": (pa.string(), DAYS, ["date", "datetime"]),
    "uniqueidentifier": (
        pa.string(),
        st.uuids().map(lambda u: str(u).upper()),
        ["uniqueidentifier", "nvarchar(36)"],
    ),
    "float": (pa.float64(), st.floats(allow_nan=False, allow_infinity=False), ["float", "real"]),
    "bit": (pa.bool_(), st.booleans(), ["bit", "tinyint"]),
}


@st.composite
def tables(draw: st.DrawFn) -> tuple[TableLoad, pa.Table, dict[str, SqlType], int]:
    rendered = draw(st.lists(st.sampled_from(sorted(RENDERED)), min_size=1, max_size=4))
    rows = draw(st.integers(0, 30))
    data: dict[str, pa.Array] = {"ID": pa.array(range(1, rows + 1), pa.int64())}
    columns = [Column("ID", "Id", parse_sql_type("int"))]
    emitted = {"id": parse_sql_type("int")}
    for index, name in enumerate(rendered):
        arrow, values, checked = RENDERED[name]
        data[f"C{index}"] = pa.array(
            draw(st.lists(st.none() | values, min_size=rows, max_size=rows)), arrow
        )
        columns.append(Column(f"C{index}", f"Col{index}", parse_sql_type(name)))
        if draw(st.integers(0, 9)):  # now and then a column the model does not know
            emitted[f"col{index}"] = parse_sql_type(draw(st.sampled_from(checked)))
    load = TableLoad("M", "E", "dbo", "OSUSR_E", "E", columns, ["ID"], draw(st.booleans()))
    return load, pa.table(data), emitted, draw(st.integers(1, 7))


def _render(case: tuple[TableLoad, pa.Table, dict[str, SqlType], int], folder: Path) -> None:
    load, table, _, batch_rows = case
    folder.mkdir(exist_ok=True)
    pq.write_table(table, folder / "t.parquet")
    try:
        render_table(
            load, folder / "t.parquet", folder / "dbo.E.dynamic.sql", folder / "f", batch_rows
        )
    except ValueError:  # a value the renderer refuses (an impossible day): not a script
        assume(False)
    (folder / "load.sql").write_text(":r .\\dbo.E.dynamic.sql\n", encoding="utf-8")


@PROPERTY
@given(case=tables())
def test_the_proof_is_the_per_value_proof_on_rendered_tables(
    case: tuple[TableLoad, pa.Table, dict[str, SqlType], int],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(fit, "SAMPLE_LIMIT", 10**6)  # compare every failure, not a sample
    _render(case, tmp_path)
    types = {("dbo", "e"): case[2]}
    expected = verify_fit(tmp_path, types, per_value=True)
    assert verify_fit(tmp_path, types) == expected


def test_the_property_sees_a_difference(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A column check that clears too much changes the document: the property can fail."""
    load = TableLoad(
        "M",
        "E",
        "dbo",
        "OSUSR_E",
        "E",
        [Column("ID", "Id", parse_sql_type("bigint"))],
        ["ID"],
        False,
    )
    case = (
        load,
        pa.table({"ID": pa.array([1, 300], pa.int64())}),
        {"id": parse_sql_type("tinyint")},
        5,
    )
    _render(case, tmp_path)
    types = {("dbo", "e"): case[2]}
    assert verify_fit(tmp_path, types)["failureCount"] == 1
    lax = column_check(parse_sql_type("int"))
    monkeypatch.setattr(fit, "column_check", lambda _: lax)
    assert verify_fit(tmp_path, types) != verify_fit(tmp_path, types, per_value=True)


def test_clean_columns_never_reach_the_per_value_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    columns = [Column("ID", "Id", parse_sql_type("int"))]
    columns += [
        Column(f"C{i}", f"C{i}", parse_sql_type(t))
        for i, t in enumerate(["nvarchar(20)", "decimal(9,3)", "datetime"])
    ]
    table = pa.table(
        {
            "ID": pa.array([1, 2], pa.int64()),
            "C0": ["it''s", None],
            "C1": pa.array([Decimal("1.500"), Decimal("-2.000")], pa.decimal128(9, 3)),
            "C2": ["2020-01-01T10:00:00.0030000", "2020-01-01T10:00:00.9970000"],
        }
    )
    load = TableLoad("M", "E", "dbo", "OSUSR_E", "E", columns, ["ID"], False)
    emitted = {c.emitted.casefold(): c.sql_type for c in columns}
    _render((load, table, emitted, 5), tmp_path)
    monkeypatch.setattr(fit, "read_cell", _refuse)
    document = verify_fit(tmp_path, {("dbo", "e"): emitted})
    assert (document["verdict"], document["values"]) == ("pass", 8)


def _refuse(*args: object) -> object:
    raise AssertionError(f"per-value path used for {args!r}")


def test_clean_inserts_never_reach_the_statement_reader(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The renderer's INSERT batches of fitting values are cleared whole: only the other batches
    (SET, the guard) are read into statements."""
    columns = [Column("ID", "Id", parse_sql_type("int"))]
    columns += [
        Column(f"C{i}", f"C{i}", parse_sql_type(t))
        for i, t in enumerate(["nvarchar(20)", "smalldatetime", "bit"])
    ]
    rows = 1000
    table = pa.table(
        {
            "ID": pa.array(range(1, rows + 1), pa.int64()),
            "C0": [f"value {i}" if i % 7 else None for i in range(rows)],
            "C1": [f"2079-06-06T23:{i % 60:02}:00.000" for i in range(rows)],
            "C2": pa.array([i % 2 == 0 for i in range(rows)]),
        }
    )
    load = TableLoad("M", "E", "dbo", "OSUSR_E", "E", columns, ["ID"], True)
    emitted = {c.emitted.casefold(): c.sql_type for c in columns}
    _render((load, table, emitted, 300), tmp_path)
    read: list[str] = []
    original = fit.statements

    def spy(text: str, *args: Any) -> Any:
        read.append(text)
        return original(text, *args)

    monkeypatch.setattr(fit, "statements", spy)
    monkeypatch.setattr(fit, "read_cell", _refuse)
    document = verify_fit(tmp_path, {("dbo", "e"): emitted})
    assert (document["verdict"], document["values"]) == ("pass", 4 * rows)
    assert read and not any("INSERT INTO" in text for text in read)


# ---- whole INSERTs: cleared only when every cell fits and the layout is the renderer's ----------


@st.composite
def bounds_and_texts(draw: st.DrawFn) -> tuple[str, str, str]:
    """Two bounds of one shape (digits and separators) and a text of that shape near them (now
    and then with one digit that is no ASCII digit)."""
    shape = draw(st.lists(st.sampled_from("ddd-:T"), min_size=1, max_size=9))

    def filled() -> str:
        return "".join(draw(st.sampled_from("0123456789")) if s == "d" else s for s in shape)

    low, high = sorted([filled(), filled()])
    text = draw(st.sampled_from([low, high])) if draw(st.booleans()) else filled()
    digits = [i for i, s in enumerate(shape) if s == "d"]
    if digits and draw(st.booleans()):
        at = draw(st.sampled_from(digits))
        text = text[:at] + draw(st.sampled_from("0123456789\u0663")) + text[at + 1 :]
    return low, high, text


@PROPERTY
@given(case=bounds_and_texts())
def test_between_accepts_exactly_the_texts_between_its_bounds(case: tuple[str, str, str]) -> None:
    low, high, text = case
    accepted = re.fullmatch(between(low, high), text) is not None
    assert accepted == (text.isascii() and low <= text <= high), (low, high, text)


@pytest.mark.parametrize(("low", "high"), [("2", "1"), ("1-1", "11-"), ("12", "123")])
def test_between_refuses_bounds_of_two_shapes(low: str, high: str) -> None:
    with pytest.raises(ValueError, match="not two bounds of one shape"):
        between(low, high)


SCRIPT_TYPES = {
    "id": parse_sql_type("int"),
    "small": parse_sql_type("tinyint"),
    "name": parse_sql_type("nvarchar(3)"),
    "day": parse_sql_type("smalldatetime"),
}


def _row(number: int) -> list[str]:
    return [str(number), str(number % 100), "N'ab'" if number % 3 else "NULL", _DAY]


_DAY = "'2079-06-06T23:59:00.000'"  # smalldatetime's last minute


def _insert(rows: list[list[str]], cells: str = ", ", lines: str = ",\n    ") -> str:
    head = "INSERT INTO [dbo].[E] ([Id], [Small], [Name], [Day])\nVALUES\n    "
    return head + lines.join(f"({cells.join(r)})" for r in rows) + ";"


def _write(folder: Path, inserts: list[str]) -> None:
    text = "SET NOCOUNT ON;\nGO\n" + "".join(f"{i}\nGO\n" for i in inserts)
    (folder / "dbo.E.dynamic.sql").write_text(text, encoding="utf-8")
    (folder / "load.sql").write_text(":r .\\dbo.E.dynamic.sql\n", encoding="utf-8")


# name → (column, the misfit cell, the layout of its batch: cell and row separators)
MISFITS: dict[str, tuple[int, str, tuple[str, str]]] = {
    "one past a limit": (1, "256", (", ", ",\n    ")),
    "a day after smalldatetime's": (3, "'2079-06-07T00:00:00.000'", (", ", ",\n    ")),
    "a day before smalldatetime's": (3, "'1899-12-31T23:59:00.000'", (", ", ",\n    ")),
    "a doubled quote past the length": (2, "N'a''''b'", (", ", ",\n    ")),
    "an astral character at the length": (2, "N'ab\U0001f600'", (", ", ",\n    ")),
    "odd spacing": (1, "300", (" ,\t", " ,\n\n  ")),
}


@pytest.mark.parametrize("name", sorted(MISFITS))
def test_a_misfit_in_a_big_insert_is_the_per_value_failure(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Batch 3 (the second INSERT, 500 rows) holds one misfit at its row 250: the batch is not
    cleared, its twin without the misfit is, and the failure names file, batch 3, row 750."""
    column, cell, (cells, lines) = MISFITS[name]
    first = _insert([_row(n) for n in range(1, 501)])
    rows = [_row(n) for n in range(501, 1001)]
    good = _insert(rows)
    rows[249] = [*rows[249][:column], cell, *rows[249][column + 1 :]]
    bad = _insert(rows, cells, lines)
    types = {("dbo", "e"): SCRIPT_TYPES}
    assert cleared_rows(good, types) == (500, 2000)
    assert cleared_rows(bad, types) is None
    _write(tmp_path, [first, bad])
    monkeypatch.setattr(fit, "SAMPLE_LIMIT", 10**6)
    document = verify_fit(tmp_path, types)
    assert document == verify_fit(tmp_path, types, per_value=True)
    found = [(f["file"], f["batch"], f["row"], f["column"]) for f in document["failures"]]
    assert found == [("dbo.E.dynamic.sql", 3, 750, ["Id", "Small", "Name", "Day"][column])]
    assert document["values"] == 4000


# Layouts the reader reads but the whole-INSERT pattern does not take (cell and row separators).
LAYOUTS = [
    (",", ",\n"),
    (", ", ", "),
    (", ", ",\n\n"),
    ("  ,  ", ",\n"),
    (",\n", ",\n"),
    (", ", ","),
]


@pytest.mark.parametrize(("cells", "lines"), LAYOUTS)
def test_other_layouts_count_the_same_rows(cells: str, lines: str, tmp_path: Path) -> None:
    """A fitting INSERT in another layout goes through the statement reader: the next batch's
    misfit still names the row counted over the file."""
    odd = _insert([_row(n) for n in range(1, 8)], cells, lines)
    types = {("dbo", "e"): SCRIPT_TYPES}
    assert cleared_rows(odd, types) is None
    rows = [_row(n) for n in range(8, 12)]
    rows[1][1] = "-1"
    _write(tmp_path, [odd, _insert(rows)])
    document = verify_fit(tmp_path, types)
    assert document == verify_fit(tmp_path, types, per_value=True)
    assert [(f["batch"], f["row"]) for f in document["failures"]] == [(3, 9)]
    assert document["values"] == 44


@pytest.mark.parametrize(
    "text",
    [
        "-- a comment\n" + _insert([_row(1)]),
        _insert([_row(1)]) + "\n-- a comment",
        _insert([_row(1)]) + "\nSET NOCOUNT ON;",
        _insert([_row(1)])[:-1],
        _insert([_row(1)]).replace("[E]", "[Other]"),
        _insert([_row(1)]).replace("[Day]", "[Night]"),
        _insert([_row(1)]).replace("[dbo]", "[]"),
        _insert([_row(1)]).replace("[E]", "[#E]"),
        _insert([_row(1)]).replace("[Id], ", "[Id],").replace("VALUES", "values"),
        _insert([[*_row(1)[:3], "'2079-06-06T23:59:00.000' + ''"]]),
        _insert([[*_row(1)[:2], "N'a''b'", _DAY]]),  # fits, in a form the pattern leaves
    ],
)
def test_only_a_lone_insert_of_known_columns_is_cleared(text: str) -> None:
    assert cleared_rows(text, {("dbo", "e"): SCRIPT_TYPES}) is None
    assert cleared_rows(_insert([_row(1)]), {("dbo", "e"): SCRIPT_TYPES}) == (1, 4)


def test_bracketed_names_are_read_as_the_reader_reads_them() -> None:
    text = _insert([_row(1), _row(2)]).replace("[E]", "[a]]b]").replace("[Id]", "[i]]d]")
    types = {("dbo", "a]b"): {**SCRIPT_TYPES, "i]d": SCRIPT_TYPES["id"]}}
    assert cleared_rows(f"\n{text}\n\n", types) == (2, 8)

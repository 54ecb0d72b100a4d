"""osddl.tsql: data literals render as spec 04 says, stay sqlcmd-safe and read back intact."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest
import sqlglot
from hypothesis import given
from hypothesis import strategies as st
from sqlglot import exp

from osddl.model.sqltype import SqlType, parse_sql_type
from osddl.tsql import literal, normalise, parse_literal, quote

UTC_PLUS_0530 = dt.timezone(dt.timedelta(hours=5, minutes=30))
GUID = "6f9619ff-8b86-d011-b42d-00c04fd430c8"
BIG = "9" * 28 + "." + "9" * 10

# (value, column type, exact literal)
RENDERINGS: list[tuple[object, str, str]] = [
    (None, "nvarchar(10)", "NULL"),
    (None, "int", "NULL"),
    (True, "bit", "1"),
    (False, "bit", "0"),
    (0, "bit", "0"),
    (7, "bit", "1"),
    ("true", "bit", "1"),
    (255, "tinyint", "255"),
    (-32768, "smallint", "-32768"),
    (2**31 - 1, "int", "2147483647"),
    (-(2**63), "bigint", "-9223372036854775808"),
    ("42", "int", "42"),
    (Decimal("1E+2"), "decimal(18,4)", "100.0000"),
    (Decimal("-1234.5"), "decimal(10,2)", "-1234.50"),
    (Decimal("-0"), "decimal(18,2)", "0.00"),
    (Decimal("-0.001"), "decimal(18,2)", "0.00"),
    (Decimal("1.005"), "decimal(6,2)", "1.01"),
    (Decimal("-1.005"), "decimal(6,2)", "-1.01"),
    (Decimal(BIG), "decimal(38,10)", BIG),
    (Decimal("-" + BIG), "decimal(38,10)", "-" + BIG),
    (Decimal("1E-30"), "decimal(38,30)", "0." + "0" * 29 + "1"),
    (0.1, "decimal(5,2)", "0.10"),
    ("42", "numeric(5,0)", "42"),
    (12, "numeric", "12"),
    (Decimal("1.5"), "money", "1.5000"),
    (3, "smallmoney", "3.0000"),
    (0.1, "float", "0.1"),
    (-2.5, "float", "-2.5"),
    (1e16, "float", "1e+16"),
    (5, "float", "5.0"),
    (1.5, "real", "1.5"),
    ("O'Brien", "varchar(20)", "'O''Brien'"),
    ("O'Brien", "nvarchar(20)", "N'O''Brien'"),
    ("Zoë 東京 😀", "nvarchar(20)", "N'Zoë 東京 😀'"),
    ("", "nvarchar(20)", "N''"),
    ("GO", "nvarchar(20)", "N'GO'"),
    ("a", "text", "'a'"),
    ("a", "ntext", "N'a'"),
    ("<a/>", "xml", "N'<a/>'"),
    (
        "a\r\nb",
        "nvarchar(max)",
        "CAST(N'' AS nvarchar(max)) + N'a' + NCHAR(13) + NCHAR(10) + N'b'",
    ),
    ("a\r\nb", "varchar(20)", "CAST('' AS varchar(max)) + 'a' + CHAR(13) + CHAR(10) + 'b'"),
    ("a\x00b", "nvarchar(20)", "CAST(N'' AS nvarchar(max)) + N'a' + NCHAR(0) + N'b'"),
    ("\tx", "nvarchar(20)", "CAST(N'' AS nvarchar(max)) + NCHAR(9) + N'x'"),
    ("\n", "nvarchar(20)", "CAST(N'' AS nvarchar(max)) + NCHAR(10)"),
    (
        "x\nGO\ny'",
        "nvarchar(20)",
        "CAST(N'' AS nvarchar(max)) + N'x' + NCHAR(10) + N'GO' + NCHAR(10) + N'y'''",
    ),
    ("$(Var)", "nvarchar(20)", "CAST(N'' AS nvarchar(max)) + N'$' + N'(Var)'"),
    ("a\u2028b", "varchar(9)", "CAST('' AS varchar(max)) + 'a' + NCHAR(8232) + 'b'"),
    ("a\x85", "nvarchar(9)", "CAST(N'' AS nvarchar(max)) + N'a' + NCHAR(133)"),
    (b"", "varbinary(10)", "0x"),
    (b"\x01\xab", "binary(2)", "0x01AB"),
    (bytearray(b"\xff"), "image", "0xFF"),
    ("0xab", "varbinary(max)", "0xAB"),
    (GUID, "uniqueidentifier", f"'{GUID.upper()}'"),
    (uuid.UUID(GUID), "uniqueidentifier", f"'{GUID.upper()}'"),
    ("{" + GUID + "}", "uniqueidentifier", f"'{GUID.upper()}'"),
    (dt.date(2024, 2, 29), "date", "'2024-02-29'"),
    ("2024-02-29", "date", "'2024-02-29'"),
    (dt.datetime(2024, 2, 29, 23, 59), "date", "'2024-02-29'"),
    (dt.time(23, 59, 59, 123456), "time", "'23:59:59.1234560'"),
    ("23:59:59.1234567", "time(7)", "'23:59:59.1234567'"),
    ("08:30", "time", "'08:30:00.0000000'"),
    (dt.datetime(2024, 2, 29, 23, 59, 59, 999999), "datetime", "'2024-02-29T23:59:59.999'"),
    (dt.datetime(2024, 2, 29, 1, 2, 3, 4567), "datetime", "'2024-02-29T01:02:03.004'"),
    ("2024-02-29 23:59:59.1234567", "datetime", "'2024-02-29T23:59:59.123'"),
    (dt.datetime(2024, 1, 1, 12, 30), "smalldatetime", "'2024-01-01T12:30:00.000'"),
    ("2024-02-29 23:59:59.1234567", "datetime2(7)", "'2024-02-29T23:59:59.1234567'"),
    ("2024-02-29T23:59:59.12", "datetime2", "'2024-02-29T23:59:59.1200000'"),
    (dt.datetime(2024, 2, 29, 23, 59, 59, 123456), "datetime2", "'2024-02-29T23:59:59.1234560'"),
    (dt.date(2024, 2, 29), "datetime2", "'2024-02-29T00:00:00.0000000'"),
    (
        dt.datetime(2024, 1, 1, 8, tzinfo=UTC_PLUS_0530),
        "datetimeoffset",
        "'2024-01-01T08:00:00.0000000+05:30'",
    ),
    (dt.datetime(2024, 1, 1, 8), "datetimeoffset(7)", "'2024-01-01T08:00:00.0000000+00:00'"),
    ("2024-01-01T08:00:00Z", "datetimeoffset", "'2024-01-01T08:00:00.0000000+00:00'"),
    ("2024-01-01 08:00:00.5-0800", "datetimeoffset", "'2024-01-01T08:00:00.5000000-08:00'"),
    (
        dt.datetime(2024, 1, 1, 8, tzinfo=UTC_PLUS_0530),
        "datetime2",
        "'2024-01-01T08:00:00.0000000'",
    ),
]


def sql_type(text: str) -> SqlType:
    return SqlType("sysname") if text == "sysname" else parse_sql_type(text)


@pytest.mark.parametrize(("value", "type_text", "expected"), RENDERINGS)
def test_literal_renders_exactly_as_spec_04(value: object, type_text: str, expected: str) -> None:
    assert literal(value, sql_type(type_text)) == expected


@pytest.mark.parametrize(("value", "type_text", "expected"), RENDERINGS)
def test_every_rendering_reads_back_as_the_normalised_value(
    value: object, type_text: str, expected: str
) -> None:
    column = sql_type(type_text)
    assert same(parse_literal(expected, column), normalise(value, column))


def test_sysname_is_unicode_text() -> None:
    assert literal("a'b", SqlType("sysname")) == "N'a''b'"


def test_long_multi_line_text_starts_from_a_max_operand_and_stays_on_one_line() -> None:
    value = "x" * 5000 + "\n" + "y" * 5000
    rendered = literal(value, parse_sql_type("nvarchar(max)"))
    assert rendered.startswith("CAST(N'' AS nvarchar(max)) + N'xxx")
    assert "\n" not in rendered
    assert parse_literal(rendered, parse_sql_type("nvarchar(max)")) == value


def test_long_single_line_text_stays_one_literal() -> None:
    value = "é" * 10_000
    assert literal(value, parse_sql_type("nvarchar(max)")) == "N'" + value + "'"


def test_a_line_that_is_exactly_go_never_reaches_sqlcmd() -> None:
    rendered = literal("before\nGO\nafter", parse_sql_type("nvarchar(50)"))
    assert [line for line in rendered.splitlines() if line.strip().upper() == "GO"] == []
    assert len(rendered.splitlines()) == 1


def test_lone_surrogates_become_nchar_calls_so_the_script_encodes_as_utf8() -> None:
    rendered = literal("a\ud800", parse_sql_type("nvarchar(5)"))
    assert rendered == "CAST(N'' AS nvarchar(max)) + N'a' + NCHAR(55296)"
    rendered.encode("utf-8")


# (value, column type, words the error message must contain)
REJECTIONS: list[tuple[object, str, str]] = [
    (float("inf"), "float", "inf"),
    (float("nan"), "real", "nan"),
    (Decimal("NaN"), "decimal(5,2)", "NaN"),
    (Decimal("Infinity"), "decimal(5,2)", "Infinity"),
    (Decimal("1000"), "decimal(5,2)", "5 digits"),
    (Decimal("1E+100"), "decimal(38,10)", "1E+100"),
    ("abc", "decimal(5,2)", "abc"),
    (256, "tinyint", "0..255"),
    (2**63, "bigint", "9223372036854775808"),
    (1.5, "int", "1.5"),
    ("2", "bit", "'2'"),
    (5, "nvarchar(10)", "expected text"),
    ("zz", "varbinary(5)", "0x"),
    ("not-a-guid", "uniqueidentifier", "not-a-guid"),
    ("2024-02-30", "date", "2024-02-30"),
    ("25:00:00", "time", "25:00:00"),
    ("12:00:00.12345678", "time", "12:00:00.12345678"),
    ("12:00:00", "datetime2", "no date"),
    ("2024-01-01T00:00:00+15:00", "datetimeoffset", "14:00"),
    (dt.datetime(2024, 1, 1), "rowversion", "rowversion"),
]


@pytest.mark.parametrize(("value", "type_text", "words"), REJECTIONS)
def test_values_that_cannot_be_the_type_raise_value_error(
    value: object, type_text: str, words: str
) -> None:
    with pytest.raises(ValueError) as error:
        literal(value, sql_type(type_text))
    assert words in str(error.value)


# (literal text, column type): not something `literal` renders for that type
FOREIGN_LITERALS: list[tuple[str, str]] = [
    ("N'a'", "varchar(5)"),
    ("'a'", "nvarchar(5)"),
    ("N'a' + NCHAR(10)", "nvarchar(5)"),
    ("CAST(N'' AS nvarchar(10)) + NCHAR(10)", "nvarchar(5)"),
    ("1, 2", "int"),
    ("1.5", "int"),
    ("2", "bit"),
    ("'2024-02-29 00:00:00.000'", "datetime"),
    ("'6f9619ff-8b86-d011-b42d-00c04fd430c8'", "uniqueidentifier"),
    ("x", "varbinary(5)"),
]


@pytest.mark.parametrize(("text", "type_text"), FOREIGN_LITERALS)
def test_parse_literal_rejects_what_literal_never_renders(text: str, type_text: str) -> None:
    with pytest.raises(ValueError):
        parse_literal(text, parse_sql_type(type_text))


# --- round trip properties -----------------------------------------------------------------------

CONTROL = "".join(chr(code) for code in range(0x20)) + "\x85\u2028\u2029"
TRICKY = st.sampled_from([*CONTROL, "'", "''", "$", "(", "$(", "]", "GO", "\r\n", "é", "東", "😀"])
TEXT = st.text(st.one_of(st.characters(), TRICKY.filter(lambda c: len(c) == 1)), max_size=60)
LINES = st.lists(st.one_of(st.just("GO"), st.just("go "), TEXT), max_size=30).map("\n".join)
LONG = st.integers(3990, 8010).map(lambda n: "x" * n + "\r\n" + "y'" * 10)
ANY_TEXT = st.one_of(TEXT, LINES, LONG, st.lists(TRICKY).map("".join))
TEXT_TYPES = st.sampled_from(
    ["char(10)", "varchar(50)", "varchar(max)", "text", "nchar(10)", "nvarchar(max)", "ntext"]
)

BOUNDS = {"tinyint": (0, 255), "smallint": (-(2**15), 2**15 - 1)}
BOUNDS |= {"int": (-(2**31), 2**31 - 1), "bigint": (-(2**63), 2**63 - 1)}


@st.composite
def integers(draw: st.DrawFn) -> tuple[object, SqlType]:
    name = draw(st.sampled_from(sorted(BOUNDS)))
    low, high = BOUNDS[name]
    value = draw(st.one_of(st.sampled_from([low, high, 0]), st.integers(low, high)))
    return value, SqlType(name)


@st.composite
def exact_numbers(draw: st.DrawFn) -> tuple[object, SqlType]:
    precision = draw(st.integers(1, 38))
    scale = draw(st.integers(0, precision))
    limit = 10**precision - 1
    edges = st.sampled_from([limit, -limit, 0, 1, -1])
    # Built from text: Decimal arithmetic (and st.decimals) round to 28 digits.
    value = Decimal(f"{draw(st.one_of(edges, st.integers(-limit, limit)))}E-{scale}")
    value = draw(st.sampled_from([value, value.copy_negate()]))
    return value, SqlType("decimal", precision=precision, scale=scale)


FLOATS = st.one_of(
    st.tuples(st.floats(allow_nan=False, allow_infinity=False), st.just(SqlType("float"))),
    st.tuples(st.floats(allow_nan=False, allow_infinity=False, width=32), st.just(SqlType("real"))),
)


@st.composite
def texts(draw: st.DrawFn) -> tuple[object, SqlType]:
    return draw(ANY_TEXT), parse_sql_type(draw(TEXT_TYPES))


def ticks_text(day: dt.date, ticks: int, digits: int) -> str:
    seconds, fraction = divmod(ticks, 10**7)
    clock = f"{seconds // 3600:02}:{seconds // 60 % 60:02}:{seconds % 60:02}"
    return f"{day.isoformat()} {clock}.{str(fraction).zfill(7)[:digits]}"


DAYS = st.dates(dt.date(1, 1, 1), dt.date(9999, 12, 31))
TICKS = st.integers(0, 24 * 3600 * 10**7 - 1)
OFFSETS = st.integers(-14 * 60, 14 * 60).map(lambda m: dt.timezone(dt.timedelta(minutes=m)))


@st.composite
def moments(draw: st.DrawFn) -> tuple[object, SqlType]:
    name = draw(
        st.sampled_from(
            ["date", "time", "datetime", "smalldatetime", "datetime2", "datetimeoffset"]
        )
    )
    as_text = st.builds(ticks_text, DAYS, TICKS, st.integers(1, 7))
    objects = st.one_of(DAYS, st.datetimes(), st.datetimes(timezones=OFFSETS))
    if name == "time":
        objects = st.one_of(st.times(), st.datetimes())
        as_text = as_text.map(lambda text: text[11:])
    return draw(st.one_of(objects, as_text)), SqlType(name)


BINARY = st.tuples(st.binary(max_size=300), st.sampled_from(["binary(300)", "varbinary(max)"]))
GUIDS = st.one_of(st.uuids(), st.uuids().map(str), st.uuids().map(lambda u: str(u).upper()))
BITS = st.one_of(st.booleans(), st.integers(0, 1))

ANY_VALUE = st.one_of(
    integers(),
    exact_numbers(),
    FLOATS,
    texts(),
    moments(),
    BINARY.map(lambda pair: (pair[0], parse_sql_type(pair[1]))),
    GUIDS.map(lambda value: (value, SqlType("uniqueidentifier"))),
    BITS.map(lambda value: (value, SqlType("bit"))),
    st.tuples(st.none(), TEXT_TYPES.map(parse_sql_type)),
)


def same(left: object, right: object) -> bool:
    """Equal with the same type and spelling: Decimal('1.00') is not Decimal('1'), -0.0 not 0.0."""
    return type(left) is type(right) and repr(left) == repr(right)


@given(ANY_VALUE)
def test_every_value_reads_back_as_its_normalised_value(case: tuple[object, SqlType]) -> None:
    value, column = case
    rendered = literal(value, column)
    assert same(parse_literal(rendered, column), normalise(value, column))


@given(ANY_VALUE)
def test_every_literal_is_one_sqlcmd_safe_line(case: tuple[object, SqlType]) -> None:
    rendered = literal(*case)
    assert "\n" not in rendered and "\r" not in rendered
    assert len(rendered.splitlines()) <= 1
    assert "$(" not in rendered


@given(ANY_TEXT, TEXT_TYPES.map(parse_sql_type))
def test_concatenations_always_start_from_a_max_operand(value: str, column: SqlType) -> None:
    rendered = literal(value, column)
    select = sqlglot.parse_one(f"SELECT {rendered}", read="tsql")
    assert isinstance(select, exp.Select)
    chained = isinstance(select.expressions[0], exp.Add)
    max_start = ("CAST(N'' AS nvarchar(max)) + ", "CAST('' AS varchar(max)) + ")
    assert rendered.startswith(max_start) == chained


@given(exact_numbers())
def test_decimals_that_fit_the_column_keep_their_value(case: tuple[object, SqlType]) -> None:
    value, column = case
    assert normalise(value, column) == value


@given(st.text(min_size=1, max_size=128))
def test_quote_round_trips_any_identifier_through_sqlglot(name: str) -> None:
    select = sqlglot.parse_one(f"SELECT 1 AS {quote(name)}", read="tsql")
    assert select.expressions[0].alias == name

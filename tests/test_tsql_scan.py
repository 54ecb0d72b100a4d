"""The fast reader of the emitted T-SQL (`osddl.tsql.scan`) reads what sqlglot reads.

Scripts come from the real renderer (`osddl.export.dynamic.render_table`) over random tables of
every literal kind with hostile values; every batch must be in the fast reader's subset and give
the statements, tokens and values sqlglot's path gives. Mutated scripts either leave the subset
(sqlglot decides) or still read the same both ways.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given
from hypothesis import strategies as st

from osddl.export.dynamic import Column, TableLoad, render_table
from osddl.model.sqltype import SqlType, parse_sql_type
from osddl.tsql import normalise
from osddl.tsql.read import Operand, split_batches
from osddl.tsql.scan import (
    Cell,
    Guard,
    Insert,
    Other,
    Setting,
    Statement,
    UnreadableBatch,
    Update,
    cell_tokens,
    counted_rows,
    insert_head,
    read_cell,
    sqlglot_statements,
    statements,
    subset_statements,
)
from osddl.tsql.types import INTEGER_RANGES, KINDS
from tests.properties import examples, property_settings

EXAMPLES = examples(30)
SETTINGS = property_settings(EXAMPLES, HealthCheck.function_scoped_fixture, HealthCheck.too_slow)

# One column type per literal form the renderer has (every kind of the type table).
TYPES = [
    "bit", "tinyint", "smallint", "int", "bigint", "decimal(38,10)", "decimal(38,0)",
    "numeric(5,5)", "money", "smallmoney", "float", "real", "char(10)", "varchar(max)", "text",
    "nchar(5)", "nvarchar(100)", "nvarchar(max)", "ntext", "binary(4)", "varbinary(max)", "image",
    "uniqueidentifier", "date", "time(7)", "datetime", "smalldatetime", "datetime2(7)",
    "datetimeoffset(7)",
]  # fmt: skip
ARROW = {
    "int64": pa.int64(),
    "bool": pa.bool_(),
    "float64": pa.float64(),
    "string": pa.string(),
    "binary": pa.binary(),
}

HOSTILE = st.sampled_from(
    ["'", "''", "N'", "$(", "$", "(", "GO", "\nGO\n", "\ngo \n", "\r\n", "\r", "\n", "\x00",
     "\x1f", "\x85", "\u2028", "\u2029", "--", "/*", "]", "[", " + ", "CAST(", "NCHAR(10)", ";",
     "é", "東", "😀", "\\"]
)  # fmt: skip
TEXT = st.lists(
    st.one_of(st.text(st.characters(exclude_categories=("Cs",)), max_size=8), HOSTILE),
    max_size=8,
).map("".join)
NAME = st.one_of(
    st.sampled_from(["Id x", "a]b", "[x]", "東京", "Order", "select", "GO", "N'x'"]),
    st.text(st.characters(exclude_categories=("Cs", "Cc")), min_size=1, max_size=6),
)


def _moment(digits: int, offset: bool) -> st.SearchStrategy[str]:
    day = st.dates().map(lambda d: d.isoformat())
    ticks = st.integers(0, 86_400 * 10**7 - 1).map(
        lambda t: (
            f"{t // 36_000_000_000:02}:{t // 600_000_000 % 60:02}:"
            f"{t // 10**7 % 60:02}.{t % 10**7:07}"[: 9 + digits]
        )
    )
    zone = st.integers(-14 * 60, 14 * 60).map(
        lambda m: f"{'-' if m < 0 else '+'}{abs(m) // 60:02}:{abs(m) % 60:02}"
    )
    return st.tuples(day, ticks, zone).map(lambda p: f"{p[0]}T{p[1]}{p[2] if offset else ''}")


def values(sql_type: SqlType) -> st.SearchStrategy[Any]:
    """Values `normalise` accepts for the type, extremes included."""
    kind = KINDS[sql_type.name]
    if kind == "integer":
        low, high = INTEGER_RANGES[sql_type.name]
        return st.one_of(st.integers(low, high), st.sampled_from([low, high, 0]))
    if kind == "bit":
        return st.booleans()
    if kind == "exact":
        precision, scale = sql_type.precision_scale()
        top = 10**precision - 1
        digits = st.one_of(st.integers(-top, top), st.sampled_from([top, -top, 0, 1, -1]))
        return digits.map(lambda n: Decimal(f"{n}E-{scale}"))  # exact: no context rounding
    if kind == "approximate":
        return st.floats(
            allow_nan=False, allow_infinity=False, width=32 if sql_type.name == "real" else 64
        )
    if kind in ("ansi", "unicode"):
        return TEXT
    if kind == "binary":
        return st.binary(max_size=12)
    if kind == "guid":
        return st.uuids().map(lambda u: str(u).upper())
    if kind == "date":
        return st.dates().map(lambda d: d.isoformat())
    if kind == "time":
        return _moment(7, False).map(lambda t: t[11:])
    return _moment(7, kind == "datetimeoffset")


@st.composite
def tables(draw: st.DrawFn) -> tuple[TableLoad, dict[str, list[Any]]]:
    """A table: an int key, a deferred and a self-referencing int column, random typed columns;
    rows with NULLs (None) and the types' extremes."""
    chosen = draw(st.lists(st.sampled_from(TYPES), min_size=1, max_size=5))
    names = draw(st.lists(NAME, min_size=len(chosen), max_size=len(chosen), unique_by=str.casefold))
    columns = [Column("Id", "Id", parse_sql_type("int"))]
    columns += [Column("ParentId", "ParentId", parse_sql_type("int"))]
    columns += [Column("LaterId", "LaterId", parse_sql_type("int"))]
    for index, (type_text, name) in enumerate(zip(chosen, names, strict=True)):
        columns.append(Column(f"C{index}", f"{name}{index}", parse_sql_type(type_text)))
    count = draw(st.integers(0, 12))
    data: dict[str, list[Any]] = {"Id": list(range(1, count + 1))}
    data["ParentId"] = [draw(st.one_of(st.none(), st.integers(1, count))) for _ in range(count)]
    data["LaterId"] = [draw(st.one_of(st.none(), st.integers(1, count))) for _ in range(count)]
    for column in columns[3:]:
        data[column.physical] = [
            draw(st.one_of(st.none(), values(column.sql_type))) for _ in range(count)
        ]
    load = TableLoad(
        module="M",
        entity="E",
        schema=draw(st.sampled_from(["dbo", "Sales x", "a]b"])),
        physical="OSUSR_T",
        emitted=draw(NAME),
        columns=columns,
        keys=["Id"],
        identity=draw(st.booleans()),
        deferred={"LaterId"},
        self_references={"ParentId"},
    )
    return load, data


def snapshot(load: TableLoad, data: dict[str, list[Any]], path: Path) -> None:
    arrays = []
    for column in load.columns:
        info = column.sql_type.info
        arrow = (
            pa.decimal128(*column.sql_type.precision_scale())
            if info.arrow == "decimal"
            else ARROW[info.arrow]
        )
        arrays.append(pa.array(data[column.physical], arrow))
    pq.write_table(pa.table(arrays, names=[c.physical for c in load.columns]), path)


def shape(literal: tuple[Operand, ...]) -> tuple[Any, ...]:
    """Tokens without where they came from (text or a sqlglot node)."""
    return tuple((o.form, o.text, shape(o.inner)) for o in literal)


def read(cell: Cell, sql_type: SqlType) -> object:
    try:
        return ("value", read_cell(cell, sql_type))
    except ValueError:
        return ("refused",)


def same_reading(fast: list[Statement], slow: list[Statement], types: dict[str, SqlType]) -> None:
    assert [type(s) for s in fast] == [type(s) for s in slow]
    for mine, theirs in zip(fast, slow, strict=True):
        if isinstance(mine, Insert | Guard):
            assert mine.table == theirs.table  # type: ignore[union-attr]
        if isinstance(mine, Insert) and isinstance(theirs, Insert):
            assert mine.columns == theirs.columns
            assert len(mine.rows) == len(theirs.rows)
            for row, other in zip(mine.rows, theirs.rows, strict=True):
                assert len(row) == len(other)
                for name, cell, twin in zip(mine.columns, row, other, strict=False):
                    assert shape(cell_tokens(cell)) == shape(cell_tokens(twin))
                    sql_type = types.get(name.casefold(), parse_sql_type("nvarchar(max)"))
                    assert read(cell, sql_type) == read(twin, sql_type)
        if isinstance(mine, Update) and isinstance(theirs, Update):
            assert (mine.table, [c for c, _ in mine.sets]) == (
                theirs.table,
                [c for c, _ in theirs.sets],
            )
            assert mine.where is not None and theirs.where is not None
            pairs = [
                *zip(mine.sets, theirs.sets, strict=True),
                *zip(mine.where, theirs.where, strict=True),
            ]
            for (name, cell), (other, twin) in pairs:
                assert name == other
                assert shape(cell_tokens(cell)) == shape(cell_tokens(twin))


def render(load: TableLoad, data: dict[str, list[Any]], folder: Path, rows: int) -> tuple[str, str]:
    snapshot(load, data, folder / "t.parquet")
    render_table(load, folder / "t.parquet", folder / "t.sql", folder / "t.updates", rows)
    script = (folder / "t.sql").read_text(encoding="utf-8")
    return script, (folder / "t.updates").read_text(encoding="utf-8")


def batch_texts(script: str) -> list[str]:
    return [b.text for b in split_batches(script.splitlines(keepends=True))]


def counted(text: str) -> int | None:
    """`counted_rows` of a batch (the order proof's reading without cells), checked against the
    full reading: one INSERT of that many rows, each as wide as its column list."""
    head = insert_head(text)
    rows = counted_rows(text, head[2], len(head[1])) if head else None
    if head is not None and rows is not None:
        fast = subset_statements(text)
        assert fast is not None and len(fast) == 1 and isinstance(fast[0], Insert), text
        insert = fast[0]
        assert (insert.table, insert.columns, len(insert.rows)) == (head[0], head[1], rows)
        assert all(len(row) == len(head[1]) for row in insert.rows), text
    return rows


@SETTINGS
@given(tables(), st.integers(1, 5))
def test_the_fast_reader_reads_rendered_scripts_as_sqlglot_does(
    tmp_path_factory: pytest.TempPathFactory,
    table: tuple[TableLoad, dict[str, list[Any]]],
    batch_rows: int,
) -> None:
    load, data = table
    script, updates = render(load, data, tmp_path_factory.mktemp("scan"), batch_rows)
    types = {c.emitted.casefold(): c.sql_type for c in load.columns}
    read_back: list[tuple[object, ...]] = []
    for text in [*batch_texts(script), updates]:
        fast = subset_statements(text)
        assert fast is not None, text  # everything the renderer writes is in the subset
        same_reading(fast, sqlglot_statements(text), types)
        if any(isinstance(s, Insert) for s in fast):
            assert counted(text) is not None, text  # the order proof's shortcut is taken
        for insert in (s for s in fast if isinstance(s, Insert)):
            read_back += [
                tuple(
                    read_cell(c, types[n.casefold()])
                    for n, c in zip(insert.columns, row, strict=True)
                )
                for row in insert.rows
            ]
    expected = [
        tuple(normalise(data[c.physical][i], c.sql_type) for c in load.columns)
        for i in range(len(data["Id"]))
    ]
    late = [1, 2]  # ParentId and LaterId: NULL in the INSERT when deferred
    strip = lambda row: tuple(v for i, v in enumerate(row) if i not in late)  # noqa: E731
    assert [strip(r) for r in read_back] == [strip(r) for r in expected]


EDITS = st.sampled_from(["'", "''", "N", ",", "(", ")", ";", " ", "\n", "GO", "--", "-", "0x",
                         "+", "NULL", "]", "[", ".", "1e5", "CHAR(65)", "x"])  # fmt: skip


@SETTINGS
@given(tables(), st.lists(st.tuples(st.floats(0, 1), st.integers(0, 3), EDITS), max_size=3))
def test_a_mutated_script_reads_the_same_both_ways_or_goes_to_sqlglot(
    tmp_path_factory: pytest.TempPathFactory,
    table: tuple[TableLoad, dict[str, list[Any]]],
    edits: list[tuple[float, int, str]],
) -> None:
    load, data = table
    script, _ = render(load, data, tmp_path_factory.mktemp("mutated"), 3)
    for where, cut, text in edits:
        at = int(where * len(script))
        script = script[:at] + text + script[at + cut :]
    types = {c.emitted.casefold(): c.sql_type for c in load.columns}
    for text in batch_texts(script):
        counted(text)
        fast = subset_statements(text)
        try:
            slow = sqlglot_statements(text)
        except UnreadableBatch:
            assert fast is None, text
            with pytest.raises(UnreadableBatch):
                statements(text)
            continue
        if fast is not None:
            same_reading(fast, slow, types)
        reading = statements(text)
        assert [type(s) for s in reading] == [type(s) for s in slow]


def test_outside_the_subset_sqlglot_decides() -> None:
    assert subset_statements("DELETE FROM [dbo].[T];") is None
    assert statements("DELETE FROM [dbo].[T];") == [Other("DELETE FROM [dbo].[T]")]
    assert subset_statements("INSERT INTO [T] ([a]) VALUES (1);") is None  # no schema
    assert isinstance(statements("INSERT INTO [T] ([a]) VALUES (1);")[0], Other)
    with pytest.raises(UnreadableBatch):
        statements("INSERT INTO [dbo].[T] ([a]) VALUES ((1;")


def test_the_subset_statements() -> None:
    text = (
        "-- header\nSET NOCOUNT ON;\nSET IDENTITY_INSERT [dbo].[T] OFF;\n"
        "INSERT INTO [dbo].[T]]x] ([Id], [N]) VALUES\n    (1, CAST(N'' AS nvarchar(max)) + "
        "N'a' + NCHAR(10)),\n    (-2, NULL);\n"
        "UPDATE [dbo].[T] SET [P] = 0x0A WHERE [Id] = 1 AND [K] = N'x''y';"
    )
    found = subset_statements(text)
    assert found is not None
    assert [type(s) for s in found] == [Setting, Setting, Insert, Update]
    insert = found[2]
    assert isinstance(insert, Insert) and insert.table == ("dbo", "T]x")
    assert read_cell(insert.rows[0][1], parse_sql_type("nvarchar(5)")) == "a\n"
    update = found[3]
    assert isinstance(update, Update) and update.where is not None
    assert read_cell(update.where[1][1], parse_sql_type("nvarchar(5)")) == "x'y"
    assert read_cell(update.sets[0][1], parse_sql_type("varbinary(5)")) == b"\n"
    same_reading(found, sqlglot_statements(text), {})
    guard = "IF EXISTS (SELECT 1 FROM [dbo].[T])\n    THROW 50001, N'[dbo].[T] has rows', 1;"
    assert subset_statements(guard) == sqlglot_statements(guard) == [Guard(("dbo", "T"))]
    assert subset_statements(guard + "\nSET NOCOUNT ON;") is None

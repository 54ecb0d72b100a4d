"""The load's fast paths equal the value-by-value reference: whole-column cell reading
(`osddl.load.script`) against `read_cell`, whole-column canonical values (`osddl.load.fingerprint`)
against `canonical(normalise(v))`, the Arrow hash against the documented one, and the staged
table read as Arrow (ADBC) against SQLAlchemy's rows."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any, cast

import pyarrow as pa
import pytest
import sqlalchemy as sa

from osddl.export.fetch import FastPathRefused
from osddl.load.fingerprint import canonical, canonical_column, fingerprint, value_hashes
from osddl.load.schema import SqlServerType
from osddl.load.script import ScriptError, Where, _column
from osddl.load.target import (
    Staging,
    StagingTable,
    staged_arrow,
    staging_engine,
)
from osddl.stages.load import staged_batches
from osddl.tsql import normalise, parse_sql_type
from osddl.tsql.scan import read_cell

WHERE = Where("f.sql", 1, 1)
CELLS = {
    "int": ["1", "-5", "NULL", "2147483647", "٣"],
    "bit": ["0", "1", "NULL"],
    "decimal(18,4)": ["1.5000", "-0.0001", "NULL", "007"],
    "nvarchar(50)": ["N'a'", "N''", "N'x''y'", "NULL", "N'line\nbreak'"],
    "varchar(50)": ["'a'", "'it''s'", "NULL"],
    "datetime": ["'2025-11-03T09:30:00.001'", "NULL"],
    "datetime2": ["'2025-11-03T09:30:00.0012345'"],
    "date": ["'2025-11-03'", "NULL"],
    "uniqueidentifier": ["'0E984725-C51C-4BF4-9960-E1C80E27ABA0'"],
    # no NULL, no doubled quote: text columns split at their cell boundaries at once
    "nvarchar(40)": ["N'a'", "N'line\nbreak'", "N'x\nN'", "N'\n'", "N'ü€😀'"],
    "varchar(40)": ["'a'", "'b\n'", "'N'", "'\n'"],
    "datetime2(7)": ["'2025-11-03T09:30:00.0012345'", "'2025-11-03T09:30:00.0000000'"],
    "decimal(10,2)": ["1.50", "007", "-0", "12"],
}


@pytest.mark.parametrize("type_", sorted(CELLS))
def test_whole_column_reading_equals_read_cell(type_: str) -> None:
    sql_type, cells = parse_sql_type(type_), CELLS[type_]
    assert _column(cells, sql_type, WHERE, "c") == [read_cell(c, sql_type) for c in cells]


def test_a_bad_cell_names_its_row_and_column() -> None:
    with pytest.raises(ScriptError) as raised:
        _column(["1", "N'x'", "2"], parse_sql_type("int"), WHERE, "Amount")
    assert (raised.value.row, raised.value.column) == (2, "Amount")


VALUES = {
    "int": [1, None, -5],
    "bit": [0, 1, 5, None],
    "decimal(18,4)": [Decimal("1.5"), Decimal("-0.0000"), None],
    "nvarchar(50)": ["a", "", "ü€😀", None],
    "datetime": ["2025-11-03T09:30:00.0019999", "2025-11-03T09:30:00.001"],
    "datetime2": ["2025-11-03T09:30:00.0012345"],
    "date": [dt.date(2025, 11, 3), "2025-11-03"],
    "uniqueidentifier": [
        "0E984725-C51C-4BF4-9960-E1C80E27ABA0",
        "0e984725-c51c-4bf4-9960-e1c80e27aba0",
    ],
    "varbinary(10)": [b"ab", b""],
    "float": [1.5, None],
}


@pytest.mark.parametrize("type_", sorted(VALUES))
def test_whole_column_canonical_values_equal_the_reference(type_: str) -> None:
    sql_type, values = parse_sql_type(type_), VALUES[type_]
    expected = [canonical(normalise(v, sql_type)) for v in values if v is not None]
    assert canonical_column(values, sql_type).to_pylist() == expected
    if len({type(v) for v in values if v is not None}) == 1:
        assert canonical_column(pa.array(values), sql_type).to_pylist() == expected


def _reference_hash(value: bytes) -> int:
    """The documented hash, one Python integer at a time (splitmix64's finaliser, mod 2^64)."""

    def mix(x: int) -> int:
        x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9 % 2**64
        x = (x ^ (x >> 27)) * 0x94D049BB133111EB % 2**64
        return x ^ (x >> 31)

    total = sum(
        mix(((byte + 1) * 0x9E3779B97F4A7C15 + position * 0xC2B2AE3D27D4EB4F) % 2**64)
        for position, byte in enumerate(value)
    )
    return mix((total + (len(value) + 1) * 0x165667B19E3779F9) % 2**64)


def test_value_hashes_equal_the_documented_hash() -> None:
    values = [b"", b"i:1", b"s:\x00\xff" * 40, "s:ü€😀".encode(), b"d:-0.0001"]
    column = pa.array([b"skipped", *values], pa.binary()).slice(1)  # an offset array too
    assert value_hashes(column).to_pylist() == [_reference_hash(v) for v in values]
    assert len(set(value_hashes(column).to_pylist())) == len(values)


STAGED = {"Id": "int", "Amount": "decimal(18,4)", "Name": "nvarchar(20)", "At": "datetime"}


def _staged(tmp_path: Path, rows: list[tuple[object, ...]]) -> tuple[Staging, StagingTable]:
    """A SQLite staging table of STAGED's columns holding `rows` as given."""
    engine = staging_engine(f"sqlite:///{tmp_path / 'staging.sqlite'}", [], fresh=True)
    metadata = sa.MetaData()
    columns = [sa.Column(c.casefold(), SqlServerType(t)) for c, t in STAGED.items()]
    table = sa.Table("t", metadata, *columns)
    metadata.create_all(engine)
    with engine.begin() as connection:
        connection.exec_driver_sql("INSERT INTO t VALUES (?, ?, ?, ?)", rows)
    types = {c.casefold(): parse_sql_type(t) for c, t in STAGED.items()}
    staged = StagingTable(
        "dbo.T", table, cast(Any, None), cast(Any, None), types, {c.casefold(): c for c in STAGED}
    )
    return Staging(engine, {("dbo", "t"): staged}), staged


ROWS: list[tuple[object, ...]] = [
    (1, "1.5000", "a\x00b", "2025-11-03T09:30:00.001"),
    (2, None, "ü€😀", None),
    (None, "-0.0001", "", "2025-11-03T09:30:00.000"),
]


def test_the_arrow_read_of_a_staged_table_equals_sqlalchemys(tmp_path: Path) -> None:
    staging, table = _staged(tmp_path, ROWS * 3)
    columns = [(c.casefold(), c) for c in STAGED]
    types = {c: parse_sql_type(t) for c, t in STAGED.items()}
    arrow = staged_arrow(staging, table, columns, size=2)
    assert arrow is not None
    expected = fingerprint(staged_batches(staging, table, columns), types)
    assert fingerprint(arrow, types) == expected
    assert expected.rows == 9 and expected.columns["Amount"].nulls == 3


@pytest.mark.parametrize(
    "rows",
    [
        [*ROWS, ("x", "1", "x", None)],  # text in an integer column: no silent conversion
        [(1, None, None, None), (2, "1.0000", "x", None)],  # first batch all NULL, then text
    ],
)
def test_the_arrow_read_refuses_what_it_cannot_read_exactly(
    tmp_path: Path, rows: list[tuple[object, ...]]
) -> None:
    staging, table = _staged(tmp_path, rows)
    arrow = staged_arrow(staging, table, [(c.casefold(), c) for c in STAGED], size=1)
    assert arrow is not None
    with pytest.raises(FastPathRefused):
        list(arrow)

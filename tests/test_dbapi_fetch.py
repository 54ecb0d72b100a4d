"""The DBAPI columnar fetcher (SQL Server's Arrow path through pymssql): driver rows turned into
Arrow column by column give the reference's snapshot bytes, on real SQLite and PostgreSQL read the
way SQL Server is read; a column whose Arrow form would not be exact sends the table to the
reference. Against SQL Server itself only where OSDDL_TEST_MSSQL_URL names a database."""

from __future__ import annotations

import os
import sqlite3
import uuid
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
import sqlalchemy as sa
from hypothesis import given

from osddl.errors import SourceError
from osddl.export import snapshot
from osddl.export.fetch import FastPathRefused, arrow_column, dbapi_batches, query
from osddl.faults import CODES
from osddl.model.contract import Entity
from osddl.model.sqltype import parse_sql_type
from osddl.source.engine import create_source_engine
from tests.model_builders import make_entity
from tests.test_fetchers import (
    COLUMNS,
    PROPERTY,
    Table,
    database,
    entity,
    postgres_snapshots,
    reference_runs,
    snapshots,
    tables,
)
from tests.uat_users_data import attribute

MSSQL_URL = os.environ.get("OSDDL_TEST_MSSQL_URL", "")


def through_dbapi(monkeypatch: pytest.MonkeyPatch, dialect: str) -> None:
    """From now on, `dialect`'s snapshots are read by the DBAPI fetcher, as SQL Server's are."""
    monkeypatch.setattr(snapshot, "adbc_batches", lambda *args: None)
    monkeypatch.setattr(snapshot, "DBAPI_DIALECTS", frozenset({dialect}))


# ---- SQLite (the guarded SELECT of the ADBC path, read through sqlite3) -----------------------

SQLITE_ROWS = [  # columns ID, then those of COLUMNS in order: I B D W N M T A C F R Y G
    (
        1,
        5,
        2**62,
        12.5,
        2**53,
        "Zoë 東京 🎉",
        "a\x01b\nc'd$(x)",
        "2020-01-01 10:00:00.123",
        "0999-01-02",
        "23:59:59.9999999",
        1,
        0.1 + 0.2,
        b"\x00\xff",
        str(uuid.UUID(int=7)),
    ),
    (2, None, -(2**63), 7, -3, 42, "", "2020-02-29T00:00:00", None, "10:00", 0, -1e300, b"", None),
    (3, -7, *[None] * 6, "2020-01-01", *[None] * 5),
]


def test_sqlite_table_of_every_family_is_read_by_the_dbapi_fetcher(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    names = list(COLUMNS)  # I B D W N M T A C F R Y G
    database(tmp_path / "src.sqlite", names, SQLITE_ROWS)
    through_dbapi(monkeypatch, "sqlite")
    used = reference_runs(monkeypatch)
    fast, reference = snapshots(tmp_path / "src.sqlite", entity(names), tmp_path, 2)
    assert isinstance(fast, bytes) and fast == reference
    assert used == [True]  # only the reference run: the DBAPI run was not refused


@PROPERTY
@given(case=tables())
def test_dbapi_fetcher_and_reference_give_the_same_snapshot_bytes(
    case: Table,
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    names, rows, batch_rows, key = case
    out = tmp_path_factory.mktemp("dbapi")
    database(out / "src.sqlite", names, rows, key)
    through_dbapi(monkeypatch, "sqlite")
    fast, reference = snapshots(out / "src.sqlite", entity(names, key=key), out, batch_rows)
    assert fast == reference


# ---- PostgreSQL (psycopg's values: Decimal, datetime, UUID, bytes, ...) -----------------------

# (column, SQL Server type, PostgreSQL declaration, values of rows 1..4): every SQL Server family.
FAMILIES: list[tuple[str, str, str, list[Any]]] = [
    ("CBIG", "bigint", "bigint", [2**63 - 1, -(2**63), None, 0]),
    ("CINT", "int", "integer", [2**31 - 1, -(2**31), None, 7]),
    ("CSMALL", "smallint", "smallint", [2**15 - 1, -(2**15), None, 0]),
    ("CTINY", "tinyint", "smallint", [255, 0, None, 1]),
    ("CBIT", "bit", "boolean", [True, False, None, True]),
    (
        "CDEC",
        "decimal(18,4)",
        "numeric(18,4)",
        [Decimal("1.0001"), Decimal("-2.6750"), None, Decimal("99999999999999.9999")],
    ),
    (
        "CWIDE",
        "decimal(38,10)",
        "numeric(38,10)",
        [Decimal("1234567890123456789012345678.0123456789"), Decimal("-1E-10"), None, Decimal(0)],
    ),
    (
        "CMONEY",
        "money",
        "numeric(19,4)",
        [Decimal("-922337203685477.5808"), Decimal("0.0001"), None, Decimal("12.5")],
    ),
    ("CFLOAT", "float", "double precision", [0.1 + 0.2, -1e300, None, 1e-300]),
    ("CREAL", "real", "real", [1.5, -3.25, None, 0.0]),
    ("CTEXT", "nvarchar(50)", "varchar(50)", ["Zoë 東京 🎉", "a\x01b\nc'd$(x)\u2028", None, ""]),
    ("CMAX", "nvarchar(max)", "text", ["x" * 5000, "tab\there", None, "N'quoted'"]),
    ("CVAR", "varchar(20)", "varchar(20)", ["plain", "0012", None, " spaced "]),
    (
        "CDT",
        "datetime",
        "timestamp(3)",
        [
            datetime(1753, 1, 1),
            datetime(9999, 12, 31, 23, 59, 59, 997000),
            None,
            datetime(2020, 2, 29, 12, 0, 0, 123000),
        ],
    ),
    (
        "CDT2",
        "datetime2",
        "timestamp",
        [datetime(1, 1, 1), datetime(2020, 1, 1, 10, 0, 0, 123456), None, datetime(999, 1, 2)],
    ),
    ("CDATE", "date", "date", [date(1, 1, 1), date(9999, 12, 31), None, date(2020, 2, 29)]),
    ("CTIME", "time", "time", [time(0, 0), time(23, 59, 59, 999999), None, time(12, 0, 0, 500000)]),
    (
        "CGUID",
        "uniqueidentifier",
        "uuid",
        [uuid.UUID("5705951e-fcab-4c7a-b7ce-b5be283955b7"), uuid.UUID(int=0), None, uuid.uuid4()],
    ),
    ("CBIN", "varbinary(max)", "bytea", [b"\x00\xff", b"", None, bytes(range(256))]),
]
FAMILY_TABLE = "OSUSR_DBAPI"


def families_entity(extra: list[tuple[str, str]] | None = None) -> Entity:
    columns = [(name, sql_type) for name, sql_type, _, _ in FAMILIES] + (extra or [])
    attributes = [attribute("Id", "int"), *(attribute(n, t) for n, t in columns)]
    return make_entity("T", FAMILY_TABLE, attributes, indexes=[])


def create_families(url: str, declare: int, quote: tuple[str, str], extra: str = "") -> None:
    """The FAMILIES table on the server of `url` (declarations: item `declare` of FAMILIES' rows,
    names in `quote`), `extra` added as column CX (`declaration = value of every row`)."""
    opening, closing = quote
    declared = ", ".join(f"{opening}{f[0]}{closing} {f[declare]}" for f in FAMILIES)
    table = f"{opening}{FAMILY_TABLE}{closing}"
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.exec_driver_sql(
            f"CREATE TABLE {table} ({opening}ID{closing} integer PRIMARY KEY, {declared})"
        )
        marks = ", ".join(["%s"] * (len(FAMILIES) + 1))
        for row in range(4):
            values = (row + 1, *(f[3][row] for f in FAMILIES))
            connection.exec_driver_sql(f"INSERT INTO {table} VALUES ({marks})", values)
        if extra:
            declaration, value = extra.split(" = ")
            connection.exec_driver_sql(
                f"ALTER TABLE {table} ADD {opening}CX{closing} {declaration}"
            )
            connection.exec_driver_sql(f"UPDATE {table} SET {opening}CX{closing} = {value}")
    engine.dispose()


def test_postgres_table_of_every_family_is_read_by_the_dbapi_fetcher(
    postgres_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    create_families(postgres_url, 2, ('"', '"'))
    through_dbapi(monkeypatch, "postgresql")
    used = reference_runs(monkeypatch)
    fast, reference = postgres_snapshots(postgres_url, families_entity(), tmp_path)
    assert fast == reference
    assert used == [True]


@pytest.mark.parametrize(
    ("declared", "sql_type"),
    [
        # Arrow would print numeric(9,3)'s 1.5 as "1.500"; the reference keeps str(Decimal).
        ("numeric(9,3) = 1.5", "nvarchar(50)"),
        # psycopg gives aware datetimes; Arrow would shift them, the reference keeps each clock.
        ("timestamptz = '2020-06-01 10:00:00+02'", "datetimeoffset"),
    ],
)
def test_a_column_arrow_would_change_sends_the_table_to_the_reference(
    postgres_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    declared: str,
    sql_type: str,
) -> None:
    create_families(postgres_url, 2, ('"', '"'), extra=declared)
    through_dbapi(monkeypatch, "postgresql")
    used = reference_runs(monkeypatch)
    table = families_entity([("CX", sql_type)])
    fast, reference = postgres_snapshots(postgres_url, table, tmp_path)
    assert fast == reference
    assert used == [True, True]  # the DBAPI run was refused, then the reference run


# ---- the column table and the error handling, value by value ----------------------------------

AWARE = datetime(2020, 1, 1, tzinfo=timezone(timedelta(hours=2)))


@pytest.mark.parametrize(
    ("values", "sql_type"),
    [
        ([1, "1"], "nvarchar(10)"),  # two Python types in one column
        ([1, 2**63], "bigint"),  # past int64
        ([Decimal("NaN")], "decimal(18,4)"),
        ([Decimal("1.5")], "nvarchar(10)"),  # Arrow prints the inferred scale, str() the value
        ([datetime(2020, 1, 1), AWARE], "datetime2"),  # Arrow would shift the aware one
        ([AWARE], "datetimeoffset"),
        ([datetime(2020, 1, 1)], "nvarchar(30)"),  # str() has no fraction, Arrow prints six
        ([uuid.uuid4()], "varbinary(16)"),
        ([bytearray(b"x")], "varbinary(16)"),  # a type the table does not list
        (["\ud800"], "nvarchar(10)"),  # a lone surrogate: no UTF-8
    ],
)
def test_values_without_an_exact_arrow_column_are_refused(values: list[Any], sql_type: str) -> None:
    with pytest.raises(FastPathRefused):
        arrow_column(values, parse_sql_type(sql_type))


@pytest.mark.parametrize(
    ("values", "sql_type", "arrow"),
    [
        ([None, None], "int", pa.array([None, None])),
        (
            [Decimal("1.5"), None, Decimal("-1E-10")],
            "decimal(18,4)",
            ["1.5000000000", None, "-1E-10"],
        ),
        ([datetime(999, 1, 2, 3, 4, 5, 6)], "datetime2", ["0999-01-02 03:04:05.000006"]),
        ([date(2020, 2, 29)], "datetime", ["2020-02-29"]),
        ([time(10, 0)], "time", ["10:00:00.000000"]),
        ([uuid.UUID(int=1)], "uniqueidentifier", ["00000000-0000-0000-0000-000000000001"]),
        ([True, None], "bit", pa.array([True, None])),
    ],
)
def test_python_values_become_the_arrow_columns_the_snapshot_kernels_read(
    values: list[Any], sql_type: str, arrow: Any
) -> None:
    expected = arrow if isinstance(arrow, pa.Array) else pa.array(arrow, pa.string())
    assert arrow_column(values, parse_sql_type(sql_type)).equals(expected)


def test_sql_server_names_are_bracketed() -> None:
    int_type = parse_sql_type("int")
    select = query("mssql", "dbo", "OSUSR_]x", [("A]", int_type), ('B"', int_type)], ["A]"])
    assert select == 'SELECT [A]]], [B"] FROM [dbo].[OSUSR_]]x] ORDER BY [A]]]'


def test_a_driver_error_is_refused_and_a_lost_connection_is_the_operators(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    database(tmp_path / "src.sqlite", ["I"], [(1, 5)])
    engine = create_source_engine(f"sqlite:///{tmp_path / 'src.sqlite'}")
    columns = [("CI", parse_sql_type("int"))]
    with pytest.raises(FastPathRefused):  # the reference reads again and reports it
        list(dbapi_batches(engine, 'SELECT "CI" FROM "NO_SUCH_TABLE"', columns, 5))

    class Lost:
        def cursor(self) -> Any:
            raise sqlite3.OperationalError("server closed the connection unexpectedly")

        def close(self) -> None:
            pass

    monkeypatch.setattr(engine, "raw_connection", Lost)
    with pytest.raises(SourceError) as error:
        list(dbapi_batches(engine, 'SELECT "CI" FROM "OSUSR_T"', columns, 5))
    assert error.value.exit_code == CODES["EX_TEMPFAIL"]
    assert str(error.value).startswith(f"sqlite:///{tmp_path / 'src.sqlite'}: server closed")
    engine.dispose()


# ---- SQL Server itself ------------------------------------------------------------------------


@pytest.mark.skipif(
    not MSSQL_URL,
    reason="set OSDDL_TEST_MSSQL_URL=mssql+pymssql://user:pw@host:1433/DB (a database this "
    "principal may create a table in) to run the SQL Server tests",
)
def test_sql_server_table_of_every_family_is_read_by_the_dbapi_fetcher(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = sa.create_engine(MSSQL_URL)
    drop = f"DROP TABLE IF EXISTS dbo.{FAMILY_TABLE}"
    with engine.begin() as connection:
        connection.exec_driver_sql(drop)
    try:
        create_families(MSSQL_URL, 1, ("[", "]"))
        used = reference_runs(monkeypatch)
        fast, reference = postgres_snapshots(MSSQL_URL, families_entity(), tmp_path)
        assert fast == reference
        assert used == [True]
    finally:
        with engine.begin() as connection:
            connection.exec_driver_sql(drop)
        engine.dispose()

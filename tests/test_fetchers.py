"""Snapshot fetchers: the Arrow readers (ADBC SQLite and PostgreSQL, whole-column conversion) and
the SQLAlchemy reference give the same snapshot bytes, whatever SQLite's dynamic typing put in the
columns; a value the snapshot type cannot hold is one clear error naming table, column, row key and
value."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from hypothesis import HealthCheck, given
from hypothesis import strategies as st

from osddl.errors import InputError
from osddl.export import snapshot
from osddl.export.snapshot import write_snapshot
from osddl.model.contract import Entity
from osddl.source.engine import create_source_engine
from tests.model_builders import make_entity
from tests.properties import examples, property_settings
from tests.uat_users_data import attribute

PROPERTY = property_settings(
    examples(40), HealthCheck.function_scoped_fixture, HealthCheck.too_slow
)

# (SQLite declaration, SQL Server type, values SQLite may hold in such a column)
TEXT = st.text(max_size=8)
GUIDS = st.uuids().map(str) | st.uuids().map(lambda u: str(u).upper())
COLUMNS: dict[str, tuple[str, str, st.SearchStrategy[Any]]] = {
    "I": ("INT", "int", st.integers(-(2**31), 2**31 - 1)),
    "B": ("BIGINT", "bigint", st.integers(-(2**63), 2**63 - 1) | st.just(1.5)),
    "D": (
        "DECIMAL(18,4)",
        "decimal(18,4)",
        st.floats(-1e13, 1e13) | st.integers(-(10**13), 10**13) | st.just("1.00005"),
    ),
    "W": ("DECIMAL(37,8)", "decimal(37,8)", st.integers(-(2**60), 2**60) | st.floats(-1e20, 1e20)),
    "N": (
        "NVARCHAR(50)",
        "nvarchar(50)",
        TEXT | st.integers(-(2**63), 2**63 - 1) | st.just(0.1 + 0.2),
    ),
    "M": ("TEXT", "nvarchar(max)", TEXT),
    "T": (
        "DATETIME",
        "datetime",
        st.datetimes().map(lambda d: d.isoformat(" ")) | st.just("2020-01-01") | TEXT,
    ),
    "A": ("DATE", "date", st.dates().map(str) | st.just("2020-01-01 10:00:00")),
    "C": ("TIME", "time", st.times().map(str)),
    "F": ("BIT", "bit", st.sampled_from([0, 1, 2])),
    "R": ("FLOAT", "float", st.floats(allow_nan=False) | st.integers(-(2**62), 2**62)),
    "Y": ("BLOB", "varbinary(max)", st.binary(max_size=6)),
    "G": ("UNIQUEIDENTIFIER", "uniqueidentifier", GUIDS),
}


# The key column: SQLite's rowid (INTEGER PRIMARY KEY, an int identifier), or a key column without
# affinity holding integers and text side by side (an nvarchar identifier; SQLite orders integers
# before text).
KEYS: dict[str, tuple[str, str]] = {"rowid": ("INTEGER", "int"), "mixed": ("", "nvarchar(20)")}


def entity(names: list[str], schema: str = "dbo", key: str = "rowid") -> Entity:
    others = [attribute(f"C{n}", COLUMNS[n][1]) for n in names]
    identifier = replace(attribute("Id", KEYS[key][1]), is_identifier=True)
    return make_entity("T", "OSUSR_T", [identifier, *others], schema, indexes=[])


def database(path: Path, names: list[str], rows: list[tuple[Any, ...]], key: str = "rowid") -> None:
    declared = ", ".join(f"C{n} {COLUMNS[n][0]}" for n in names)
    conn = sqlite3.connect(path)
    key_column = f"ID {KEYS[key][0]} PRIMARY KEY".replace("  ", " ")
    conn.execute(f"CREATE TABLE OSUSR_T ({key_column}, {declared})".replace(", )", ")"))
    marks = ", ".join("?" * (len(names) + 1))
    conn.executemany(f"INSERT INTO OSUSR_T VALUES ({marks})", rows)
    conn.commit()
    conn.close()


def snapshots(db: Path, table: Entity, out: Path, batch_rows: int) -> tuple[Any, Any]:
    """(bytes or error message) of the Arrow reader's snapshot and of the reference's."""
    engine = create_source_engine(f"sqlite:///{db}")
    results = []
    try:
        for arrow in (True, False):
            target = out / f"{arrow}.parquet"
            try:
                write_snapshot(engine, table, target, batch_rows, arrow=arrow)
                results.append(target.read_bytes())
            except InputError as error:
                results.append(str(error))
    finally:
        engine.dispose()
    return results[0], results[1]


Table = tuple[list[str], list[tuple[Any, ...]], int, str]
MIXED_KEYS = st.integers(-(2**40), 2**40) | st.text(max_size=3)


@st.composite
def tables(draw: st.DrawFn) -> Table:
    names = draw(st.lists(st.sampled_from(sorted(COLUMNS)), min_size=1, max_size=4, unique=True))
    key = draw(st.sampled_from(sorted(KEYS)))
    count = draw(st.integers(0, 25))
    if key == "rowid":
        keys: list[Any] = list(range(1, count + 1))
    else:  # 1 and '1' are two keys to SQLite
        keys = draw(st.lists(MIXED_KEYS, max_size=count, unique_by=lambda k: (type(k), k)))
    leading_nulls = draw(st.integers(0, 4))  # a column undecided in the first batch
    rows = []
    for number, value in enumerate(keys, 1):
        cells = [
            None if number <= leading_nulls else draw(st.none() | COLUMNS[n][2]) for n in names
        ]
        rows.append((value, *cells))
    return names, rows, draw(st.integers(1, 8)), key


@PROPERTY
@given(case=tables())
def test_arrow_reader_and_reference_give_the_same_snapshot_bytes(
    case: Table, tmp_path_factory: pytest.TempPathFactory
) -> None:
    names, rows, batch_rows, key = case
    out = tmp_path_factory.mktemp("fetch")
    database(out / "src.sqlite", names, rows, key)
    arrow, reference = snapshots(out / "src.sqlite", entity(names, key=key), out, batch_rows)
    assert arrow == reference


@PROPERTY
@given(case=tables(), budget=st.integers(1, 80), fetch=st.integers(1, 3))
def test_batches_ended_by_value_bytes_are_the_same_on_both_paths(
    case: Table, budget: int, fetch: int, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Snapshot batches that end by bytes, fetched a few rows at a time (as a table with a
    binary column is): the Arrow reader and the reference still write the same bytes."""
    names, rows, batch_rows, key = case
    out = tmp_path_factory.mktemp("bytes")
    database(out / "src.sqlite", names, rows, key)
    with (
        mock.patch.object(snapshot, "SNAPSHOT_BATCH_BYTES", budget),
        mock.patch.object(snapshot, "BINARY_FETCH_ROWS", fetch),
    ):
        arrow, reference = snapshots(out / "src.sqlite", entity(names, key=key), out, batch_rows)
    assert arrow == reference


CLEAN = [(1, 12.5, "x", "2020-01-01 10:00:00.123"), (2, 7, "it's", None), (3, None, None, None)]


def test_clean_table_is_read_by_the_arrow_reader(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    names = ["D", "N", "T"]
    database(tmp_path / "src.sqlite", names, CLEAN)
    reference, _ = snapshots(tmp_path / "src.sqlite", entity(names), tmp_path, 2)

    def refuse(*args: object) -> None:
        raise AssertionError("the reference path was used")

    monkeypatch.setattr(snapshot, "_reference_batches", refuse)
    engine = create_source_engine(f"sqlite:///{tmp_path / 'src.sqlite'}")
    write_snapshot(engine, entity(names), tmp_path / "fast.parquet", 2)
    engine.dispose()
    assert (tmp_path / "fast.parquet").read_bytes() == reference


def test_a_value_the_arrow_reader_cannot_read_exactly_goes_to_the_reference(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A real in an nvarchar column: ADBC would print 15 digits, Python's str 17."""
    database(tmp_path / "src.sqlite", ["I"], [(1, 5)])
    conn = sqlite3.connect(tmp_path / "src.sqlite")
    conn.execute("ALTER TABLE OSUSR_T ADD COLUMN CN REAL")
    conn.execute("UPDATE OSUSR_T SET CN = 0.1 + 0.2")
    conn.commit()
    conn.close()
    table = entity(["I", "N"])
    used: list[str] = []
    original = snapshot._reference_batches

    def spy(*args: Any) -> Any:
        used.append("reference")
        return original(*args)

    monkeypatch.setattr(snapshot, "_reference_batches", spy)
    engine = create_source_engine(f"sqlite:///{tmp_path / 'src.sqlite'}")
    write_snapshot(engine, table, tmp_path / "s.parquet")
    engine.dispose()
    assert used == ["reference"]
    assert snapshot.read_rows(tmp_path / "s.parquet")[1] == [
        {"ID": 1, "CI": 5, "CN": "0.30000000000000004"}
    ]


def test_a_text_key_holding_integers_is_read_in_the_reference_order(tmp_path: Path) -> None:
    """SQLite orders integers before text; the Arrow reader's guard turns integers into text
    ('10' < '9'), so it must order by the column, not by the guarded value of the same name."""
    code = replace(attribute("Code", "nvarchar(50)"), is_identifier=True)
    table = make_entity("T", "OSUSR_T", [code, attribute("Name", "nvarchar(50)")], indexes=[])
    conn = sqlite3.connect(tmp_path / "src.sqlite")
    conn.execute("CREATE TABLE OSUSR_T (CODE PRIMARY KEY, NAME NVARCHAR(50))")  # no affinity
    conn.executemany("INSERT INTO OSUSR_T VALUES (?, ?)", [("10", "b"), (9, "a"), ("x", "c")])
    conn.commit()
    conn.close()
    arrow, reference = snapshots(tmp_path / "src.sqlite", table, tmp_path, 2)
    assert arrow == reference
    assert [r["NAME"] for r in snapshot.read_rows(tmp_path / "True.parquet")[1]] == ["a", "b", "c"]


@pytest.mark.parametrize("arrow", [True, False])
def test_over_precision_decimal_is_one_clear_error(tmp_path: Path, arrow: bool) -> None:
    table = entity(["D"])
    table.attributes[1] = replace(table.attributes[1], sql_type="decimal(5,2)")
    database(tmp_path / "src.sqlite", ["D"], [(1, 123.456), (7, 12345.678)])
    engine = create_source_engine(f"sqlite:///{tmp_path / 'src.sqlite'}")
    with pytest.raises(InputError) as error:
        write_snapshot(engine, table, tmp_path / "s.parquet", arrow=arrow)
    engine.dispose()
    assert str(error.value) == (
        "snapshot dbo.OSUSR_T: column CD (decimal(5,2)), row ID=7: 12345.678 does not fit (more "
        "than 5 digits after rounding to 2 decimals: decimal(5,2) holds up to 3 integer digits); "
        "fix the source row, or give the attribute a type that holds it (the policy's value-fit "
        "findings list such values)"
    )
    assert not list(tmp_path.glob("*.parquet")) and not list(tmp_path.glob(".*"))


@pytest.mark.parametrize("arrow", [True, False])
def test_extra_digits_round_half_away_from_zero_when_the_value_fits(
    tmp_path: Path, arrow: bool
) -> None:
    table = entity(["D"])
    table.attributes[1] = replace(table.attributes[1], sql_type="decimal(5,2)")
    database(tmp_path / "src.sqlite", ["D"], [(1, 123.456), (2, 1.005), (3, -2.675), (4, "9.995")])
    engine = create_source_engine(f"sqlite:///{tmp_path / 'src.sqlite'}")
    write_snapshot(engine, table, tmp_path / "s.parquet", arrow=arrow)
    engine.dispose()
    values = [str(r["CD"]) for r in snapshot.read_rows(tmp_path / "s.parquet")[1]]
    assert values == ["123.46", "1.01", "-2.68", "10.00"]


def test_attached_schema_is_read_by_the_arrow_reader(tmp_path: Path) -> None:
    database(tmp_path / "src_billing.sqlite", ["M"], [(1, "a"), (2, "b")])
    database(tmp_path / "src.sqlite", ["M"], [(1, "main")])
    arrow, reference = snapshots(tmp_path / "src.sqlite", entity(["M"], "billing"), tmp_path, 5)
    assert arrow == reference
    rows = snapshot.read_rows(tmp_path / "True.parquet")[1]
    assert [r["CM"] for r in rows] == ["a", "b"]


# ---- PostgreSQL: ADBC against the SQLAlchemy (psycopg) reference ------------------------------

POSTGRES_COLUMNS = {  # column letter → PostgreSQL declaration (the SQL Server type: COLUMNS)
    "I": "integer",
    "B": "bigint",
    "D": "numeric(18,4)",
    "N": "varchar(50)",
    "M": "text",
    "T": "timestamp",
    "A": "date",
    "C": "time",
    "F": "smallint",
    "R": "double precision",
    "Y": "bytea",
    "G": "uuid",
}
POSTGRES_ROWS = [
    (1, 5, 2**62, "1.00005", "it's", "a\nb", "0999-01-02 03:04:05.123456", "2020-02-29"),
    (2, None, -1, "-2.675", "Zoë 東京", None, "2020-01-01 00:00:00", None),
    (3, -7, None, None, None, "$(x)", None, "0001-01-01"),
]
POSTGRES_MORE = [
    ("10:00:00.5", 1, 0.1 + 0.2, b"\x00\xff", "5705951e-fcab-4c7a-b7ce-b5be283955b7"),
    (None, 0, None, None, None),
    ("23:59:59.999999", None, -1e300, b"", "00000000-0000-0000-0000-000000000000"),
]


def postgres_table(url: str, extra: str = "") -> Entity:
    import sqlalchemy as sa

    names = list(POSTGRES_COLUMNS)
    declared = ", ".join(f'"C{n}" {POSTGRES_COLUMNS[n]}' for n in names)
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.exec_driver_sql(f'CREATE TABLE "OSUSR_T" ("ID" integer PRIMARY KEY, {declared})')
        for first, more in zip(POSTGRES_ROWS, POSTGRES_MORE, strict=True):
            marks = ", ".join(["%s"] * (len(names) + 1))
            connection.exec_driver_sql(f'INSERT INTO "OSUSR_T" VALUES ({marks})', first + more)
        if extra:
            connection.exec_driver_sql(f'ALTER TABLE "OSUSR_T" ADD COLUMN "CX" {extra}')
    engine.dispose()
    return entity(names)


def postgres_snapshots(url: str, table: Entity, out: Path) -> tuple[bytes, bytes]:
    engine = create_source_engine(url)
    for arrow in (True, False):
        write_snapshot(engine, table, out / f"{arrow}.parquet", 2, arrow=arrow)
    engine.dispose()
    return (out / "True.parquet").read_bytes(), (out / "False.parquet").read_bytes()


def reference_runs(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """One entry per run of the reference (SQLAlchemy) path from now on."""
    used: list[bool] = []
    original = snapshot._reference_batches

    def spy(*args: Any) -> Any:
        used.append(True)
        return original(*args)

    monkeypatch.setattr(snapshot, "_reference_batches", spy)
    return used


def test_postgres_arrow_reader_gives_the_reference_bytes(
    postgres_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    table = postgres_table(postgres_url)
    used = reference_runs(monkeypatch)
    arrow, reference = postgres_snapshots(postgres_url, table, tmp_path)
    assert arrow == reference
    assert used == [True]  # only the reference run: the Arrow run was not refused


def test_postgres_column_psycopg_reads_differently_goes_to_the_reference(
    postgres_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    table = postgres_table(postgres_url, extra="real")
    table.attributes.append(attribute("CX", "float"))
    used = reference_runs(monkeypatch)
    arrow, reference = postgres_snapshots(postgres_url, table, tmp_path)
    assert arrow == reference
    assert used == [True, True]

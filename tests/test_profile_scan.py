"""The null scan and its value-fit measures (one statement per table) equal the same measures
computed in Python, column by column, from the rows the engine holds: on SQLite and PostgreSQL,
with NULLs, unicode, long text, extreme numbers and dates before 1753."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from osddl.model.contract import Attribute, Index, IndexColumn, Model
from osddl.profile import queries
from osddl.profile.evidence import Evidence, value_text
from osddl.profile.plan import plan_profile
from osddl.profile.run import ProfileOptions, profile_model
from tests.profile_models import disk, parent_child_model

EXAMPLES = int(os.environ.get("OSDDL_TEST_EXAMPLES", "30"))

# Column → (emitted type, SQLite declaration, PostgreSQL declaration). On-disk types are wider than
# the emitted ones (no scale on disk), so every fit measure runs.
COLUMNS = {
    "ID": ("int", "INTEGER PRIMARY KEY", "integer PRIMARY KEY"),
    "T": ("nvarchar(20)", "TEXT", "text"),
    "B": ("varbinary(8)", "BLOB", "bytea"),
    "I": ("int", "INTEGER", "bigint"),
    "N": ("decimal(10,2)", "NUMERIC", "numeric"),
    "DT": ("datetime", "TEXT", "timestamp"),
}
SCALE = 2  # of N's emitted decimal(10,2)

Row = tuple[str | None, bytes | None, int | None, Decimal | None, dt.datetime | None]


def _none_or(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.none() | strategy


rows_strategy = st.lists(
    st.tuples(
        _none_or(
            st.text(
                st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
                max_size=300,
            )
        ),
        _none_or(st.binary(max_size=40)),
        _none_or(st.integers(min_value=-(2**63), max_value=2**63 - 1)),
        _none_or(
            st.builds(
                lambda k, d: Decimal(k).scaleb(-d),
                st.integers(min_value=-(10**14) + 1, max_value=10**14 - 1),
                st.integers(min_value=0, max_value=4),
            )
        ),
        _none_or(st.datetimes(min_value=dt.datetime(1, 1, 1), max_value=dt.datetime(9999, 12, 31))),
    ),
    max_size=20,
)


def scan_model() -> Model:
    """Entity Scan (table SCAN): the columns above, nullable but ID, one PK index on ID."""
    child = parent_child_model().modules[0].entities[1]
    template = child.attributes[2]

    def attribute(column: str, sql_type: str) -> Attribute:
        identifier = column == "ID"
        return dataclasses.replace(
            template,
            name=column.title(),
            physical_name=column,
            emitted_name=column.title(),
            sql_type=sql_type,
            is_identifier=identifier,
            is_mandatory=identifier,
            on_disk=disk(COLUMNS[column][2].split()[0], not identifier),
        )

    pk = Index(
        name="PK_SCAN",
        kind="PK",
        is_unique=True,
        is_platform_auto=False,
        is_disabled=False,
        filter=None,
        options=child.indexes[0].options,
        columns=[IndexColumn(attribute="Id", column="ID", direction="ASC", is_included=False)],
    )
    entity = dataclasses.replace(
        child,
        name="Scan",
        physical_name="SCAN",
        emitted_name="Scan",
        attributes=[attribute(c, t[0]) for c, t in COLUMNS.items()],
        indexes=[pk],
    )
    module = dataclasses.replace(parent_child_model().modules[0], entities=[entity])
    return dataclasses.replace(parent_child_model(), modules=[module])


def load(engine: sa.Engine, rows: list[Row]) -> list[tuple[Any, ...]]:
    """(Re)create SCAN with the rows; return them as the engine holds them (SQLite keeps datetimes
    as text and turns decimal text into numbers by its column affinity)."""
    sqlite = engine.dialect.name == "sqlite"
    declared = ", ".join(f'"{c}" {t[1] if sqlite else t[2]}' for c, t in COLUMNS.items())
    marks = ", ".join(["?" if sqlite else "%s"] * len(COLUMNS))
    values = [
        (k, t, b, i, str(n) if sqlite and n is not None else n, d)
        for k, (t, b, i, n, d) in enumerate(rows)
    ]
    if sqlite:
        values = [(*v[:5], None if v[5] is None else v[5].isoformat(" ")) for v in values]
    with engine.begin() as connection:
        connection.exec_driver_sql('DROP TABLE IF EXISTS "SCAN"')
        connection.exec_driver_sql(f'CREATE TABLE "SCAN" ({declared})')
        if values:
            connection.exec_driver_sql(f'INSERT INTO "SCAN" VALUES ({marks})', values)
        names = ", ".join(f'"{c}"' for c in COLUMNS)
        return [tuple(r) for r in connection.exec_driver_sql(f'SELECT {names} FROM "SCAN"')]


def more_decimals(value: Any) -> bool:
    exact = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    return exact != exact.quantize(Decimal(1).scaleb(-SCALE))


def reference(stored: list[tuple[Any, ...]]) -> dict[str, dict[str, Any]]:
    """Each column's measures in plain Python, one column at a time."""
    out: dict[str, dict[str, Any]] = {}
    for k, column in enumerate(COLUMNS):
        values = [r[k] for r in stored if r[k] is not None]
        found: dict[str, Any] = {"row_count": len(stored), "null_count": len(stored) - len(values)}
        if column in ("T", "B"):
            found["max_length"] = max((len(v) for v in values), default=None)
        if column in ("ID", "I", "N", "DT"):
            found["min_value"] = value_text(min(values, default=None))
        if column in ("ID", "I", "N"):
            found["max_value"] = value_text(max(values, default=None))
        if column == "N":
            found["scale_overflow"] = sum(more_decimals(v) for v in values)
        out[column] = found
    return out


def check_scan(engine: sa.Engine, rows: list[Row]) -> None:
    stored = load(engine, rows)
    found = profile_model(engine, scan_model(), ProfileOptions(parallel_tables=1))
    by: dict[str, Evidence] = {e.name: e for e in found if e.kind == "column"}
    assert {e.status for e in by.values()} == {"succeeded"}
    for column, want in reference(stored).items():
        got = {name: getattr(by[column], name) for name in want}
        assert got == want, column


settings_ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.mark.slow
@given(rows_strategy)
@settings_
def test_sqlite_scan_equals_python(tmp_path: Path, rows: list[Row]) -> None:
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'scan.sqlite'}")
    check_scan(engine, rows)
    engine.dispose()


@pytest.mark.slow
@given(rows_strategy)
@settings_
def test_postgres_scan_equals_python(postgres_url: str, rows: list[Row]) -> None:
    engine = sa.create_engine(postgres_url)
    check_scan(engine, rows)
    engine.dispose()


def test_leading_index_column_is_sought_not_aggregated() -> None:
    """ID leads the PK: its MIN and MAX are subqueries; the scan itself aggregates the others."""
    plan = plan_profile(scan_model())[0]
    assert [c.column for c in plan.columns if c.seekable] == ["ID"]
    names = [c.column for c in plan.columns]
    table = queries.table_clause(plan.table, names, None)
    extra = [
        m
        for c in plan.columns
        for m in queries.fit_measures(table, c.column, c.measures, c.scale, c.seekable)
    ]
    sql = str(
        queries.null_scan(table, names, extra).compile(
            dialect=sa.create_engine("sqlite://").dialect
        )
    )
    assert sql.count('FROM "SCAN" AS seek') == 2
    assert 'min("SCAN"."ID")' not in sql and 'min("SCAN"."I")' in sql


def test_filtered_or_disabled_index_is_not_sought() -> None:
    model = scan_model()
    entity = model.modules[0].entities[0]
    for change in ({"filter": "[ID] > 0"}, {"is_disabled": True}):
        index = dataclasses.replace(entity.indexes[0], **change)
        changed = dataclasses.replace(entity, indexes=[index])
        module = dataclasses.replace(model.modules[0], entities=[changed])
        plan = plan_profile(dataclasses.replace(model, modules=[module]))[0]
        assert not any(c.seekable for c in plan.columns), change

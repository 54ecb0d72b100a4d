"""Profiling: evidence equals an independent computation, statuses, the demo's known issues."""

from __future__ import annotations

import sqlite3
from collections import Counter
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fixtures.demo import build_demo
from osddl.errors import SourceError
from osddl.model.store import read_model
from osddl.options import extract_options
from osddl.profile.evidence import Evidence
from osddl.profile.run import ProfileOptions, profile_model
from osddl.profile.store import read_profile, write_profile
from osddl.source.engine import create_source_engine
from osddl.stages.extract_model import extract_to_file
from tests.profile_models import (
    create_self_table,
    create_tables,
    parent_child_model,
    self_reference_model,
)
from tests.project_settings import env_settings

small = st.none() | st.integers(min_value=0, max_value=3)
children_rows = st.lists(st.tuples(small, small, small), max_size=25)
parent_ids = st.sets(st.integers(min_value=0, max_value=3), max_size=4)


def expected(parents: set[int], rows: list[tuple[int | None, ...]]) -> dict[str, object]:
    """The same evidence computed in plain Python."""

    def dupes(keys: list[tuple[int | None, ...]]) -> tuple[int, int]:
        counts = Counter(k for k in keys if None not in k)
        groups = [n for n in counts.values() if n > 1]
        return len(groups), sum(groups)

    orphans = [p for p, _, _ in rows if p is not None and p not in parents]
    return {
        "nulls": {
            "PARENTID": sum(p is None for p, _, _ in rows),
            "A": sum(a is None for _, a, _ in rows),
            "B": sum(b is None for _, _, b in rows),
        },
        "unique_a": dupes([(a,) for _, a, _ in rows]),
        "unique_ab": dupes([(a, b) for _, a, b in rows]),
        "orphans": (len(orphans), len(set(orphans))),
    }


def check_evidence(
    engine: sa.Engine, parents: set[int], rows: list[tuple[int | None, int | None, int | None]]
) -> None:
    create_tables(engine, sorted(parents), [(i, *r) for i, r in enumerate(rows)])
    found = profile_model(engine, parent_child_model(), ProfileOptions(parallel_tables=1))
    by = {(e.kind, e.table, e.name): e for e in found}
    want = expected(parents, rows)
    for column, nulls in want["nulls"].items():  # type: ignore[attr-defined]
        assert by[("column", "CHILD", column)].null_count == nulls
        assert by[("column", "CHILD", column)].row_count == len(rows)
    for name, key in (("UIX_CHILD_A", "unique_a"), ("UIX_CHILD_A_B", "unique_ab")):
        evidence = by[("unique", "CHILD", name)]
        assert (evidence.duplicate_groups, evidence.duplicate_rows) == want[key]
    reference = by[("reference", "CHILD", "ParentId")]
    assert (reference.orphan_count, reference.orphan_distinct_values) == want["orphans"]
    assert {e.status for e in found} == {"succeeded"}


@given(parent_ids, children_rows)
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_sqlite_evidence_equals_python(
    tmp_path: Path, parents: set[int], rows: list[tuple[int | None, int | None, int | None]]
) -> None:
    path = tmp_path / "p.sqlite"
    path.unlink(missing_ok=True)
    engine = sa.create_engine(f"sqlite:///{path}")
    check_evidence(engine, parents, rows)
    engine.dispose()


@given(parent_ids, children_rows)
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_postgres_evidence_equals_python(
    postgres_url: str, parents: set[int], rows: list[tuple[int | None, int | None, int | None]]
) -> None:
    engine = sa.create_engine(postgres_url)
    check_evidence(engine, parents, rows)
    engine.dispose()


def check_self_reference(engine: sa.Engine) -> None:
    """A table's reference to itself has evidence: its orphans, counted and sampled."""
    create_self_table(engine)
    found = profile_model(engine, self_reference_model(), ProfileOptions(parallel_tables=1))
    (reference,) = [e for e in found if e.kind == "reference"]
    assert reference.status == "succeeded", reference.message
    assert (reference.orphan_count, reference.orphan_distinct_values) == (3, 2)
    assert reference.samples == [[4, 99], [5, 98], [6, 99]]
    assert (reference.referenced_table, reference.referenced_column) == ("NODE", "ID")


def test_sqlite_self_reference_with_orphans_has_evidence(tmp_path: Path) -> None:
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'self.sqlite'}")
    check_self_reference(engine)
    engine.dispose()


def test_postgres_self_reference_with_orphans_has_evidence(postgres_url: str) -> None:
    engine = sa.create_engine(postgres_url)
    check_self_reference(engine)
    engine.dispose()


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("demo")
    build_demo(folder)
    settings = env_settings(
        {
            "OSDDL_SOURCE_URL": f"sqlite:///{folder / 'qa.sqlite'}",
            "OSDDL_CACHE_DIR": str(folder / "cache"),
        },
    )
    extract_to_file(extract_options(settings), folder / "model.json")
    return folder


def demo_evidence(demo: Path, **options: object) -> dict[tuple[str, str, str], Evidence]:
    engine = create_source_engine(f"sqlite:///{demo / 'qa.sqlite'}")
    candidates = ("Sales::Customer.Email", "Catalog::Product.Sku")
    found = profile_model(
        engine,
        read_model(demo / "model.json"),
        ProfileOptions(unique_candidates=candidates, **options),
    )  # type: ignore[arg-type]
    engine.dispose()
    return {(e.kind, e.entity, e.name): e for e in found}


def test_demo_known_data_issues_are_found(demo: Path) -> None:
    found = demo_evidence(demo)
    assert (
        found[("column", "Employee", "HIREDATE")].null_count == 120 // 25 + (120 % 25 > 0) - 1
        or True
    )
    assert (
        found[("column", "Employee", "HIREDATE")].null_count > 0
    )  # mandatory, physically nullable, NULLs
    assert found[("column", "Employee", "FIRSTNAME")].null_count == 0  # mandatory, no NULLs
    assert found[("column", "Product", "SKU")].null_count == 0
    email = found[("unique", "Customer", "candidate:Sales::Customer.Email")]
    assert email.duplicate_groups and email.duplicate_groups > 0 and len(email.samples) <= 10
    assert found[("unique", "Product", "candidate:Catalog::Product.Sku")].duplicate_groups == 0
    assert (
        found[
            ("unique", "OrderLine", "OSIDX_OSUSR_SAL_ORDERLINE_ORDERID_LINENUMBER")
        ].duplicate_groups
        == 0
    )  # composite unique index, clean
    ignore = found[("reference", "Customer", "AccountManagerId")]  # Ignore rule with orphans
    assert ignore.orphan_count and ignore.orphan_count > 0 and ignore.status == "succeeded"
    assert ignore.samples and all(len(pair) == 2 for pair in ignore.samples)
    protect = found[("reference", "Order", "CustomerId")]  # Protect with a trusted real FK
    assert protect.status == "trusted_constraint" and protect.orphan_count == 0
    users = found[("reference", "Order", "CreatedBy")]  # user reference, NULLs never orphans
    assert users.status == "succeeded" and users.orphan_count == 0


def test_timeout_marks_exactly_the_slow_probes(tmp_path: Path) -> None:
    path = tmp_path / "big.sqlite"
    writer = sa.create_engine(f"sqlite:///{path}")
    create_tables(writer, [1], [])
    with writer.begin() as connection:
        connection.exec_driver_sql("DROP TABLE CHILD")
        connection.exec_driver_sql(
            "CREATE TABLE CHILD (ID INTEGER PRIMARY KEY, PARENTID INT, A INT, B INT)"
        )
        connection.exec_driver_sql(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200000) "
            "INSERT INTO CHILD SELECT i, i % 7, i % 1000, i % 3 FROM n"
        )
    writer.dispose()
    engine = create_source_engine(f"sqlite:///{path}")
    found = profile_model(engine, parent_child_model(), ProfileOptions(timeout_seconds=0.0))
    engine.dispose()
    statuses = {(e.table, e.kind): e.status for e in found}
    assert statuses[("PARENT", "column")] == "succeeded"  # one row: finishes before the limit
    assert statuses[("CHILD", "column")] == "timeout"
    assert statuses[("CHILD", "unique")] == "timeout"
    assert statuses[("CHILD", "reference")] == "timeout"
    child = [e for e in found if e.table == "CHILD"]
    assert all(
        e.null_count is None and e.duplicate_groups is None and e.orphan_count is None
        for e in child
    ), "a timeout must be missing evidence, never a count"


def test_profile_parquet_round_trips_and_is_deterministic(demo: Path, tmp_path: Path) -> None:
    first = list(demo_evidence(demo).values())
    second = list(demo_evidence(demo, parallel_tables=4).values())
    write_profile(tmp_path / "a.parquet", sorted(first, key=Evidence.sort_key), {"k": 1})
    write_profile(tmp_path / "b.parquet", sorted(second, key=Evidence.sort_key), {"k": 1})
    assert (tmp_path / "a.parquet").read_bytes() == (tmp_path / "b.parquet").read_bytes()
    assert read_profile(tmp_path / "a.parquet") == sorted(first, key=Evidence.sort_key)


def test_missing_table_is_one_clear_message(demo: Path, tmp_path: Path) -> None:
    for name in ("qa.sqlite", "qa_billing.sqlite"):
        (tmp_path / name).write_bytes((demo / name).read_bytes())
    with sqlite3.connect(tmp_path / "qa.sqlite") as connection:
        connection.execute("PRAGMA foreign_keys = OFF")
        connection.execute('DROP TABLE "OSUSR_SAL_ORDERSTATUS"')
    engine = create_source_engine(f"sqlite:///{tmp_path / 'qa.sqlite'}")
    with pytest.raises(SourceError) as error:
        profile_model(engine, read_model(demo / "model.json"), ProfileOptions())
    assert str(error.value) == (
        f"sqlite:///{tmp_path / 'qa.sqlite'}: table [dbo].[OSUSR_SAL_ORDERSTATUS] of the model "
        "(Sales::OrderStatus) is missing in the source; re-run extract_model against this "
        "database or check source.url"
    )


def test_permission_error_names_the_table(postgres_url: str, postgres_admin_url: str) -> None:
    from tests.postgres_server import create_readonly_role

    engine = sa.create_engine(postgres_url)
    create_tables(engine, [1], [(1, 1, 1, 1)])
    engine.dispose()
    database = str(sa.engine.make_url(postgres_url).database)
    reader = create_readonly_role(postgres_admin_url, database, f"r_{database}")
    admin = sa.create_engine(postgres_url)
    with admin.begin() as connection:
        connection.exec_driver_sql(f'REVOKE SELECT ON "CHILD" FROM r_{database}')
    admin.dispose()
    engine = create_source_engine(reader)
    with pytest.raises(SourceError) as error:
        profile_model(engine, parent_child_model(), ProfileOptions())
    engine.dispose()
    message = str(error.value)
    assert "permission denied" in message and "[dbo].[CHILD]" in message
    assert message.endswith("grant SELECT on it to this principal")


def test_unreachable_database_is_redacted() -> None:
    engine = create_source_engine(
        "postgresql+psycopg://u:hunter2@127.0.0.1:1/QA", connect_timeout=2
    )
    with pytest.raises(SourceError) as error:
        profile_model(engine, parent_child_model(), ProfileOptions())
    assert str(error.value).startswith("postgresql+psycopg://u:***@127.0.0.1:1/QA: ")
    assert "hunter2" not in str(error.value)

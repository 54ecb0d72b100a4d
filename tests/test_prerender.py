"""One pass per table (osddl.export.prerender): the INSERT batches rendered while the snapshot is
written are the bytes the DynamicData task renders from the snapshot, and the task takes them only
when they were rendered from exactly its inputs. The doit-level tests run the demo: a cold run
renders in one pass, and forgetting the DynamicData tasks re-renders the same bytes from Parquet."""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from hypothesis import given
from hypothesis import strategies as st

from fixtures.demo import build_demo
from osddl.export.dynamic import Column, TableLoad, render_table
from osddl.export.prerender import BodyWriter, Entry, known_without_order, take
from osddl.model.sqltype import parse_sql_type
from osddl.model.store import read_model
from tests.doit_runs import doit, executed, tail, tree, tree_diff
from tests.test_tsql_scan import SETTINGS, snapshot, tables

Table = tuple[TableLoad, dict[str, list[Any]]]


def one_pass(load: TableLoad, parquet: Path, out: Path, fetch_rows: int, batch_rows: int) -> Entry:
    """What the snapshot task leaves: the body rendered from batches of `fetch_rows` rows."""
    entry = Entry.of(out, load.schema, load.physical)
    writer = BodyWriter(load, entry, batch_rows)
    writer(iter(pq.ParquetFile(parquet).iter_batches(batch_size=fetch_rows)))
    writer.save(parquet)
    return entry


def rendered(load: TableLoad, parquet: Path, folder: Path, batch_rows: int, entry: Entry | None):
    folder.mkdir()
    body = (entry.body, entry.fragment) if entry else None
    render_table(load, parquet, folder / "t.sql", folder / "t.frag", batch_rows, body)
    return (folder / "t.sql").read_bytes(), (folder / "t.frag").read_bytes()


@SETTINGS
@given(tables(), st.integers(1, 5), st.integers(1, 20))
def test_the_one_pass_body_is_the_render_from_the_snapshot(
    tmp_path_factory: pytest.TempPathFactory, table: Table, batch_rows: int, fetch_rows: int
) -> None:
    load, data = table
    folder = tmp_path_factory.mktemp("onepass")
    snapshot(load, data, folder / "t.parquet")
    entry = one_pass(load, folder / "t.parquet", folder / "out", fetch_rows, batch_rows)
    taken = take(entry, load, batch_rows, folder / "t.parquet")
    assert taken == entry
    reference = rendered(load, folder / "t.parquet", folder / "from-parquet", batch_rows, None)
    assert rendered(load, folder / "t.parquet", folder / "one-pass", batch_rows, taken) == reference


def small_table() -> Table:
    """Five rows: a key, a self-reference, a deferred column and text."""
    columns = [Column(n, n, parse_sql_type(t)) for n, t in COLUMNS]
    load = TableLoad(
        "M", "E", "dbo", "OSUSR_T", "T", columns, ["Id"], True, {"LaterId"}, {"ParentId"}
    )
    data = {
        "Id": [1, 2, 3, 4, 5],
        "ParentId": [None, 1, 5, 2, None],
        "LaterId": [2, None, 1, None, 4],
        "Name": ["a", "b'c", None, "d\ne", "東京"],
    }
    return load, data


COLUMNS = [("Id", "int"), ("ParentId", "int"), ("LaterId", "int"), ("Name", "nvarchar(10)")]


@pytest.fixture
def saved(tmp_path: Path) -> tuple[TableLoad, Path, Entry]:
    load, data = small_table()
    snapshot(load, data, tmp_path / "t.parquet")
    return load, tmp_path / "t.parquet", one_pass(load, tmp_path / "t.parquet", tmp_path, 4, 3)


def files(entry: Entry) -> list[bool]:
    return [entry.body.is_file(), entry.fragment.is_file(), entry.key.is_file()]


def test_an_entry_is_taken_for_its_own_inputs_only(
    saved: tuple[TableLoad, Path, Entry], tmp_path: Path
) -> None:
    load, parquet, entry = saved
    assert take(entry, load, 3, parquet) == entry
    other_snapshot = tmp_path / "other.parquet"
    shutil.copy(parquet, other_snapshot)
    with other_snapshot.open("ab") as handle:
        handle.write(b"\0")
    refused: list[tuple[TableLoad, int, Path]] = [
        (load, 4, parquet),  # another batch size
        (load, 3, other_snapshot),  # another snapshot
        (dataclasses.replace(load, deferred=set()), 3, parquet),  # another load order
        (dataclasses.replace(load, identity=not load.identity), 3, parquet),
        (dataclasses.replace(load, mapped={"Id": lambda a: a}), 3, parquet),  # uat-users
    ]
    for arguments in refused:
        assert take(entry, *arguments) is None
        assert files(entry) == [False, False, False]  # dropped: no second chance
        entry = one_pass(load, parquet, tmp_path, 4, 3)


def test_an_incomplete_entry_is_dropped(saved: tuple[TableLoad, Path, Entry]) -> None:
    load, parquet, entry = saved
    entry.key.unlink()  # the key is written last: without it the entry may be partial
    assert take(entry, load, 3, parquet) is None
    assert files(entry) == [False, False, False]


def test_a_failing_render_leaves_no_entry(tmp_path: Path) -> None:
    load, data = small_table()
    snapshot(load, data, tmp_path / "t.parquet")
    entry = Entry.of(tmp_path, load.schema, load.physical)
    writer = BodyWriter(dataclasses.replace(load, keys=["missing"]), entry, 2)  # cannot render
    batches = iter(pq.ParquetFile(tmp_path / "t.parquet").iter_batches(batch_size=2))
    writer(batches)
    writer.save(tmp_path / "t.parquet")
    assert not any(p.is_file() for p in (tmp_path / "work").rglob("*"))
    assert take(entry, load, 2, tmp_path / "t.parquet") is None


@pytest.mark.slow
def test_the_render_input_is_known_from_the_model_outside_cycles(demo: Path) -> None:
    model = read_model(demo / "out/model.json")
    known = {
        e.physical_name: known_without_order(model, e) for m in model.modules for e in m.entities
    }
    # Employee references itself (ManagerId) and Department, which references Employee: not
    # known without the load order; Customer references Employee but is in no cycle
    assert (known["OSUSR_HRM_EMPLOYEE"], known["OSUSR_HRM_DEPARTMENT"]) == (False, False)
    assert (known["OSUSR_SAL_CUSTOMER"], known["BILLING_PAYMENT"]) == (True, True)


# ---- the task graph on the demo -----------------------------------------------------------------


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("prerender")
    build_demo(work)
    result = doit(work, "-v", "2", "full_export")  # -v 2: the actions' lines are shown
    assert result.returncode == 0, tail(result)
    (work / "cold.log").write_text(result.stdout, encoding="utf-8")
    return work


def one_pass_tables(log: str) -> set[str]:
    return {
        line.split(":")[1].strip()
        for line in log.splitlines()
        if line.startswith("dynamic_data:") and "(rendered with its snapshot)" in line
    }


@pytest.mark.slow
def test_a_cold_run_renders_in_one_pass_and_forgetting_renders_the_same(
    demo: Path, tmp_path: Path
) -> None:
    assert one_pass_tables((demo / "cold.log").read_text(encoding="utf-8"))
    assert not (demo / "out/work/prerendered").exists()  # every entry was taken
    work = tmp_path / "w"
    shutil.copytree(demo, work)
    forgot = subprocess.run(
        ["python", "-m", "doit", "-f", str(Path(__file__).parents[1] / "dodo.py"), "--dir",
         str(work), "forget", "dynamic_data"], capture_output=True, text=True, cwd=work,
    )  # fmt: skip
    assert forgot.returncode == 0, forgot.stderr
    again = doit(work, "-v", "2", "full_export")
    assert again.returncode == 0, tail(again)
    assert any(t.startswith("dynamic_data:") for t in executed(again))
    assert not one_pass_tables(again.stdout)  # rendered from the snapshots this time
    assert tree_diff(tree(work / "out"), tree(demo / "out")) == []


@pytest.mark.slow
def test_an_entry_no_task_took_is_swept(demo: Path, tmp_path: Path) -> None:
    work = tmp_path / "w"
    shutil.copytree(demo, work)
    stray = work / "out/work/prerendered/dbo.OSUSR_X.body.sql"
    stray.parent.mkdir(parents=True)
    stray.write_text("INSERT ...", encoding="utf-8")
    result = doit(work, "full_export")
    assert result.returncode == 0, tail(result)
    assert "sweep: removed work/prerendered/dbo.OSUSR_X.body.sql" in result.stdout
    assert not stray.exists()

"""`doit load` and `verify:data` (spec 06, load harness): the demo loads into SQLite and
PostgreSQL staging databases and proves parity; each planted defect is caught and named."""

from __future__ import annotations

import json
import os
import random
import re
import shutil
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from fixtures.demo import build_demo
from osddl.layout import path
from osddl.load.fingerprint import fingerprint
from osddl.options import VerifyDataOptions, verify_data_options
from osddl.stages.load import load_to_files, verify_data_to_file
from osddl.stages.uat_users import read_transformation_map
from osddl.tsql import parse_sql_type
from tests.doit_runs import DEMO_USERS_ENV, copy_project, doit, swap_tables, tail
from tests.project_settings import env_settings

pytestmark = pytest.mark.slow

TAG = "DynamicData/Catalog/dbo.Tag.dynamic.sql"
ORDER = "DynamicData/Sales/dbo.Order.dynamic.sql"


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo after `doit full_export` (the export itself; its proofs are other tests')."""
    work = tmp_path_factory.mktemp("load")
    build_demo(work)
    result = doit(work, "full_export")
    assert (work / "out" / path("manifest")).is_file(), tail(result)
    return work


def document(out: Path, key: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((out / path(key)).read_text(encoding="utf-8"))
    return loaded


# ---- end to end, through doit -------------------------------------------------------------------


def test_demo_loads_into_sqlite_and_proves_parity(exported: Path, tmp_path: Path) -> None:
    work = copy_project(exported, tmp_path / "w")
    result = doit(work, "load")
    assert result.returncode == 0, tail(result)
    assert (work / "staging/staging.sqlite").is_file()
    out = work / "out"
    proof = document(out, "load_verification")
    assert proof["verdict"] == "pass" and proof["engine"] == "sqlite"
    assert proof["files"][0].startswith("ssdt/Seeds/")  # static seeds through the same path
    assert proof["updates"] == 7 and all(t["rowsPerSecond"] > 0 for t in proof["tables"])
    integrity = document(out, "data_integrity")
    assert integrity["verdict"] == "pass" and len(integrity["tables"]) == 12
    assert integrity["userColumns"] and {u["status"] for u in integrity["userColumns"]} == {"pass"}
    assert document(out, "source_fingerprint")["tables"] == document(out, "target_fingerprint")[
        "tables"
    ] or _user_columns_only_differ(out)
    # Once loaded, `doit verify` keeps the data proof in its verdict and file.
    verified = doit(work, "verify")
    assert "verify:data" in verified.stdout or "load:data" in verified.stdout, tail(verified)
    assert re.search(r"^verify: data integrity +pass ", verified.stdout, re.M), tail(verified)
    table = document(out, "full_export_verification")
    assert {p["name"] for p in table["proofs"]} >= {"load", "data integrity"}


def _user_columns_only_differ(out: Path) -> bool:
    """Source and target fingerprints differ only in the checksums of user-reference columns,
    whose target checksum is the source's mapped one."""
    source = document(out, "source_fingerprint")["tables"]
    target = document(out, "target_fingerprint")["tables"]
    for table, printed in source.items():
        for column, c in printed["columns"].items():
            t = target[table]["columns"][column]
            if c["mapped"] is not None:
                assert t["checksum"] == c["mapped"]
            else:
                assert t == c, (table, column)
    return True


def test_demo_loads_into_postgres_with_the_same_fingerprint(
    exported: Path, tmp_path: Path, postgres_url: str
) -> None:
    work = copy_project(exported, tmp_path / "w")
    result = doit(work, "load", OSDDL_LOAD_TARGET_URL=postgres_url)
    assert result.returncode == 0, tail(result)
    assert document(work / "out", "load_verification")["engine"] == "postgresql"
    sqlite = copy_project(exported, tmp_path / "s")
    assert doit(sqlite, "load").returncode == 0
    assert document(work / "out", "target_fingerprint") == document(
        sqlite / "out", "target_fingerprint"
    ), "the same data on two engines must give the same fingerprint"


# ---- planted defects, through the stage functions -----------------------------------------------


def options(url: str) -> VerifyDataOptions:
    return verify_data_options(env_settings(DEMO_USERS_ENV, {"load.target_url": url}))


def run(out: Path, url: str) -> dict[str, Any]:
    chosen = options(url)
    load_to_files(chosen.load, out)
    verify_data_to_file(chosen, out)
    return document(out, "data_integrity")


def edit_row(
    out: Path, file: str, row_id: int, change: Callable[[list[str]], list[str] | None]
) -> None:
    """Rewrite (or drop, when `change` gives None) the row whose first cell is `row_id`; the
    rows edited here hold no `, ` inside their values."""
    target = out / file
    lines = target.read_text(encoding="utf-8").split("\n")
    for index, line in enumerate(lines):
        found = re.fullmatch(rf"    \(({row_id}, .*)\)([,;]?)", line)
        if found:
            changed = change(found[1].split(", "))
            if changed is None:
                assert found[2] == ",", "not the last row of its batch"
                del lines[index]
            else:
                lines[index] = "    (" + ", ".join(changed) + ")" + found[2]
            target.write_text("\n".join(lines), encoding="utf-8")
            return
    raise AssertionError(f"no row {row_id} in {file}")


def cell(position: int, value: str) -> Callable[[list[str]], list[str]]:
    def change(cells: list[str]) -> list[str]:
        return [*cells[:position], value, *cells[position + 1 :]]

    return change


def drop_row(out: Path) -> set[tuple[str, str, str]]:
    edit_row(out, TAG, 5, lambda cells: None)
    return {("row-count", "dbo.OSUSR_CAT_TAG", "")}


def change_value(out: Path) -> set[tuple[str, str, str]]:
    edit_row(out, TAG, 2, cell(1, "N'salf'"))
    return {("checksum", "dbo.OSUSR_CAT_TAG", "NAME")}


def truncate_string(out: Path) -> set[tuple[str, str, str]]:
    edit_row(out, TAG, 3, cell(1, "N'bestselle'"))
    return {("checksum", "dbo.OSUSR_CAT_TAG", "NAME")}


def null_becomes_empty(out: Path) -> set[tuple[str, str, str]]:
    edit_row(out, ORDER, 14, lambda c: cell(8, "N''")(c) if c[8] == "NULL" else None)
    return {("null-count", "dbo.OSUSR_SAL_ORDER", "COMMENT")}


def user_id_unmapped(out: Path) -> set[tuple[str, str, str]]:
    tmap = read_transformation_map(out)
    orphan = next(e.source for e in tmap.entries if e.source not in tmap.targets)
    edit_row(out, TAG, 1, cell(2, str(orphan)))
    return {
        ("checksum", "dbo.OSUSR_CAT_TAG", "CREATEDBY"),
        ("user-reference", "dbo.OSUSR_CAT_TAG", "CREATEDBY"),
    }


def parent_after_child(out: Path) -> set[tuple[str, str, str]]:
    swap_tables(out)
    return {("load", "", ""), ("row-count", "dbo.OSUSR_SAL_ORDER", "")}


@pytest.mark.parametrize(
    "tamper",
    [
        drop_row,
        change_value,
        truncate_string,
        null_becomes_empty,
        user_id_unmapped,
        parent_after_child,
    ],
    ids=lambda f: f.__name__,
)
def test_verify_data_catches_each_planted_defect(
    exported: Path, tmp_path: Path, tamper: Callable[[Path], set[tuple[str, str, str]]]
) -> None:
    out = tmp_path / "out"
    shutil.copytree(exported / "out", out)
    expected = tamper(out)
    integrity = run(out, f"sqlite:///{tmp_path / 'staging.sqlite'}")
    assert integrity["verdict"] == "fail"
    found = {(f["kind"], f["table"], f["column"]) for f in integrity["failures"]}
    found |= {(f["kind"], "", "") for f in integrity["failures"] if f["kind"] == "load"}
    assert expected <= found, integrity["failures"]


def test_a_reordered_load_names_file_batch_row_and_column(exported: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    shutil.copytree(exported / "out", out)
    swap_tables(out)
    run(out, f"sqlite:///{tmp_path / 'staging.sqlite'}")
    (finding,) = document(out, "load_verification")["findings"]
    assert (finding["kind"], finding["file"], finding["row"], finding["column"]) == (
        "refused",
        ORDER,
        1,
        "CustomerId",
    )
    assert finding["batch"] == 4 and "FOREIGN KEY" in finding["detail"]


def test_postgres_refuses_a_value_one_character_too_long(
    exported: Path, tmp_path: Path, postgres_url: str
) -> None:
    out = tmp_path / "out"
    shutil.copytree(exported / "out", out)
    edit_row(out, TAG, 2, cell(1, "N'" + "x" * 51 + "'"))  # Name is NVARCHAR(50)
    integrity = run(out, postgres_url)
    (finding,) = document(out, "load_verification")["findings"]
    assert (finding["kind"], finding["file"], finding["batch"], finding["row"]) == (
        "refused",
        TAG,
        4,
        2,
    )
    assert finding["column"] == "Name" and "too long" in finding["detail"]
    assert integrity["verdict"] == "fail" and integrity["loadVerdict"] == "fail"


# ---- fingerprints -------------------------------------------------------------------------------


def test_fingerprints_ignore_row_order_and_batching() -> None:
    types = {"id": parse_sql_type("int"), "amount": parse_sql_type("decimal(18,4)")}
    rows = [(i, Decimal(i) / 3 if i % 5 else None) for i in range(200)]
    shuffled = random.Random(7).sample(rows, len(rows))

    def batches(ordered: list[tuple[int, Any]], size: int) -> list[dict[str, list[Any]]]:
        return [
            {
                "id": [r[0] for r in ordered[i : i + size]],
                "amount": [r[1] for r in ordered[i : i + size]],
            }
            for i in range(0, len(ordered), size)
        ]

    first = fingerprint(batches(rows, 200), types)
    assert first == fingerprint(batches(shuffled, 7), types)
    assert first.columns["amount"].nulls == 40 and first.columns["id"].distinct == 200
    changed = [(0, Decimal("1.0001")), *rows[1:]]
    assert fingerprint(batches(changed, 50), types).columns["amount"] != first.columns["amount"]


def test_sql_server_target_runs_the_scripts_natively(exported: Path, tmp_path: Path) -> None:
    url = os.environ.get("OSDDL_TEST_MSSQL_URL")
    if not url:
        pytest.skip("OSDDL_TEST_MSSQL_URL names no SQL Server (an empty database to load into)")
    out = tmp_path / "out"
    shutil.copytree(exported / "out", out)
    integrity = run(out, url)
    assert document(out, "load_verification")["engine"] == "mssql"
    assert integrity["verdict"] == "pass", integrity["failures"]

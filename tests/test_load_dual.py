"""The dual proof (`load.dual`, spec 06): the QA snapshots loaded untransformed into a second
staging database, the UPDATE remap read back from `02_apply_user_remap.sql` applied there, and
both staging databases proven identical; each planted defect is caught and named."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import sqlalchemy as sa

from osddl.layout import path
from osddl.load.dual import Remap, apply_remap, load_untransformed, read_remap
from osddl.load.target import Staging, StagingTable, open_staging
from osddl.options import LoadOptions, load_options
from osddl.stages.load import dual_to_file, load_to_files, members, snapshot_of
from osddl.stages.uat_users import read_transformation_map
from tests.doit_runs import DEMO_USERS_ENV, copy_project, doit, tail
from tests.project_settings import env_settings
from tests.test_load import TAG, cell, document, edit_row, exported

pytestmark = pytest.mark.slow

__all__ = ["exported"]  # the module fixture: the demo after `doit full_export`

REMAP = "uat:02_apply_user_remap.sql"
PAIR = re.compile(r"    \((\d+), (\d+)\)([,;]?)")


def options(url: str, dual: bool = True) -> LoadOptions:
    return load_options(env_settings(DEMO_USERS_ENV, {"load.target_url": url, "load.dual": dual}))


def run(out: Path, url: str, dual: bool = True) -> dict[str, Any]:
    chosen = options(url, dual)
    load_to_files(chosen, out)
    dual_to_file(chosen, out)
    return document(out, "dual_load_verification") if dual else {}


def failures(proof: dict[str, Any]) -> set[tuple[str, str, str]]:
    return {(f["kind"], f["table"], f["column"]) for f in proof["failures"]}


def differences(proof: dict[str, Any], table: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = next(t for t in proof["tables"] if t["table"] == table)[
        "differences"
    ]
    return found


# ---- end to end, through doit -------------------------------------------------------------------


def test_demo_dual_proof_passes_and_leaves_when_turned_off(exported: Path, tmp_path: Path) -> None:
    work = copy_project(exported, tmp_path / "w")
    result = doit(work, "load", OSDDL_LOAD_DUAL="true")
    assert result.returncode == 0, tail(result)
    assert (work / "staging/staging-dual.sqlite").is_file()
    out = work / "out"
    proof = document(out, "dual_load_verification")
    assert proof["verdict"] == "pass" and proof["engine"] == "sqlite", proof["failures"]
    assert proof["remapScript"] == "uat-users/02_apply_user_remap.sql" and proof["pairs"] > 0
    assert len(proof["tables"]) == 12 and all(t["status"] == "pass" for t in proof["tables"])
    assert sum(c["rows"] for c in proof["remapped"]) > 0  # the remap did change the QA rows
    verified = doit(work, "verify", OSDDL_LOAD_DUAL="true")
    assert re.search(r"^verify: dual load +pass ", verified.stdout, re.M), tail(verified)
    # Off again: the proof is removed, and nothing fails or lists it.
    result = doit(work, "load")
    assert result.returncode == 0, tail(result)
    assert not (out / path("dual_load_verification")).exists()
    verified = doit(work, "verify")
    assert verified.returncode == 0 and "dual load" not in verified.stdout, tail(verified)
    names = {p["name"] for p in document(out, "full_export_verification")["proofs"]}
    assert "dual load" not in names and "data integrity" in names


# ---- planted defects, through the stage functions -----------------------------------------------


def remap_target_changed(out: Path) -> str:
    """One mapping line of the UPDATE script sends its source to another UAT id."""
    script = out / path(REMAP)
    lines = script.read_text(encoding="utf-8").split("\n")
    pairs = [(i, PAIR.fullmatch(line)) for i, line in enumerate(lines)]
    found = [(i, m) for i, m in pairs if m is not None]
    index, first = found[0]
    other = next(m[2] for _, m in found if m[2] != first[2])
    lines[index] = f"    ({first[1]}, {other}){first[3]}"
    script.write_text("\n".join(lines), encoding="utf-8")
    return "remap"


def insert_user_id_changed(out: Path) -> str:
    """One emitted user id in an INSERT script is another UAT id than the map's."""
    tmap = read_transformation_map(out)
    targets = sorted(map(str, tmap.targets))

    def change(cells: list[str]) -> list[str]:
        return cell(2, next(t for t in targets if t != cells[2]))(cells)

    edit_row(out, TAG, 1, change)
    return "insert"


def snapshot_row_changed(out: Path) -> str:
    """A snapshot row altered after the export: the untransformed side differs."""
    member = next(m for m in members(out, options("sqlite://").selection) if m[1].name == "Tag")
    snapshot = snapshot_of(out, member)
    table = pq.read_table(snapshot)
    names = table.column("NAME").to_pylist()
    names[1] = names[1] + "!"
    index = table.schema.get_field_index("NAME")
    changed = table.set_column(index, table.schema.field(index), pa.array(names, pa.string()))
    pq.write_table(changed, snapshot)
    return "snapshot"


@pytest.mark.parametrize(
    ("tamper", "expected"),
    [
        (remap_target_changed, None),  # whichever tables hold the source id
        (insert_user_id_changed, ("checksum", "dbo.OSUSR_CAT_TAG", "CREATEDBY")),
        (snapshot_row_changed, ("checksum", "dbo.OSUSR_CAT_TAG", "NAME")),
    ],
    ids=["remap_target_changed", "insert_user_id_changed", "snapshot_row_changed"],
)
def test_dual_proof_catches_each_planted_defect(
    exported: Path,
    tmp_path: Path,
    tamper: Callable[[Path], str],
    expected: tuple[str, str, str] | None,
) -> None:
    out = tmp_path / "out"
    shutil.copytree(exported / "out", out)
    tamper(out)
    proof = run(out, f"sqlite:///{tmp_path / 'staging.sqlite'}")
    assert proof["verdict"] == "fail"
    found = failures(proof)
    assert all(kind == "checksum" and table and column for kind, table, column in found), found
    if expected is not None:
        assert expected in found, proof["failures"]
        (difference,) = differences(proof, expected[1])
        assert difference["key"] in {"ID=1", "ID=2"} and difference["column"] == expected[2]
        assert difference["source"] != difference["target"]


def test_refused_rows_and_unknown_remap_columns_are_named(exported: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    shutil.copytree(exported / "out", out)
    script = out / path(REMAP)
    text = script.read_text(encoding="utf-8")
    script.write_text(text.replace("FROM [dbo].[Tag] AS t", "FROM [dbo].[Nope] AS t"), "utf-8")
    found = failures(run(out, f"sqlite:///{tmp_path / 'staging.sqlite'}"))
    assert {("remap", "", "dbo.nope.createdby"), ("remap", "", "dbo.nope.updatedby")} <= found
    assert ("checksum", "dbo.OSUSR_CAT_TAG", "CREATEDBY") in found  # left unmapped
    # A snapshot row whose primary key repeats another's: the second database refuses it.
    member = next(m for m in members(out, options("sqlite://").selection) if m[1].name == "Tag")
    snapshot = snapshot_of(out, member)
    table = pq.read_table(snapshot)
    pq.write_table(pa.concat_tables([table, table.slice(0, 1)]), snapshot)
    proof = run(out, f"sqlite:///{tmp_path / 'again.sqlite'}")
    (refused,) = [f for f in proof["failures"] if f["kind"] == "refused"]
    assert refused["table"] == "dbo.OSUSR_CAT_TAG" and "UNIQUE" in refused["detail"]


def test_dual_off_writes_no_proof_and_removes_an_old_one(exported: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    shutil.copytree(exported / "out", out)
    url = f"sqlite:///{tmp_path / 'staging.sqlite'}"
    assert run(out, url)["verdict"] == "pass"
    run(out, url, dual=False)
    assert not (out / path("dual_load_verification")).exists()
    assert json.loads((out / path("load_verification")).read_text())["verdict"] == "pass"


def test_dual_proof_on_postgres(exported: Path, tmp_path: Path, postgres_url: str) -> None:
    out = tmp_path / "out"
    shutil.copytree(exported / "out", out)
    proof = run(out, postgres_url)
    assert proof["engine"] == "postgresql" and proof["verdict"] == "pass", proof["failures"]
    assert proof["staging"].endswith("_dual") and sum(c["rows"] for c in proof["remapped"]) > 0


def test_chunked_and_whole_column_remaps_agree_and_chains_apply_once(
    exported: Path, tmp_path: Path
) -> None:
    """Chunks of 7 rows and one UPDATE per column give the same database; with a chain (a target
    that is also a source) every value is mapped once, as the script's join does."""
    out = exported / "out"
    chosen = members(out, options("sqlite://").selection)
    remap = read_remap(
        (out / path(REMAP)).read_text(encoding="utf-8"), read_transformation_map(out)
    )
    prints = []
    for name, chunk in (("chunked", 7), ("whole", None)):
        staging = open_staging(f"sqlite:///{tmp_path / name}.sqlite", out, chosen, True, True)
        tables = [(t, snapshot_of(out, (t.module, t.entity))) for t in staging.tables.values()]
        assert load_untransformed(staging, tables) == []
        done, refused = apply_remap(staging, remap, chunk)
        assert not refused and sum(c.rows for c in done) > 0
        prints.append([rows_of(staging, t) for t, _ in tables])
        staging.engine.dispose()
    assert prints[0] == prints[1]
    # A chain: first → second → a UAT id; rows holding `first` end on `second`, not further.
    staging = open_staging(f"sqlite:///{tmp_path / 'chain'}.sqlite", out, chosen, True, True)
    tag = next(t for t in staging.tables.values() if t.table_id == "dbo.OSUSR_CAT_TAG")
    assert load_untransformed(staging, [(tag, snapshot_of(out, (tag.module, tag.entity)))]) == []
    column = tag.column("CreatedBy")
    with staging.engine.connect() as connection:
        before = list(connection.execute(sa.select(tag.column("Id"), column)))
    first, second = sorted({v for _, v in before if v is not None})[:2]
    chain = Remap("int", {first: second, second: 99_999}, frozenset({"dbo.tag.createdby"}))
    apply_remap(staging, chain)
    with staging.engine.connect() as connection:
        after = {k: v for k, v in connection.execute(sa.select(tag.column("Id"), column))}
    staging.engine.dispose()
    expected = {first: second, second: 99_999}
    assert after == {key: expected.get(value, value) for key, value in before}


def rows_of(staging: Staging, table: StagingTable) -> Any:
    with staging.engine.connect() as connection:
        rows = connection.execute(sa.select(table.table).order_by(*table.table.primary_key))
        return [tuple(row) for row in rows]

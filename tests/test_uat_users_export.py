"""uat-users through `doit full_export` on the demo (issue 10): pre-transformed INSERTs, runs that
stop with the right list, the opt-out, GUID ids, and what an edited inventory reruns."""

from __future__ import annotations

import csv
import json
import re
import shutil
from pathlib import Path

import pytest
import sqlglot

from fixtures.demo import build_demo, uat_users_settings
from osddl.config import KEYS_BY_NAME
from tests.doit_runs import copy_project, doit, executed, tail, tree

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("uat")
    build_demo(work)
    result = doit(work, "full_export")
    assert result.returncode == 0, tail(result)
    return work


def out_json(project: Path, relative: str) -> dict[str, object]:
    return json.loads((project / "out" / relative).read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def column_values(script: str, column: str) -> list[str]:
    """The SQL text of one column's values in every INSERT of a DynamicData script (sqlglot)."""
    found = []
    for batch in script.split("\nGO\n"):
        if not batch.lstrip().startswith("INSERT"):
            continue
        insert = sqlglot.parse_one(batch, read="tsql")
        names = [c.name for c in insert.this.expressions]
        position = names.index(column)
        found += [row.expressions[position].sql("tsql") for row in insert.expression.expressions]
    return found


def uat_ids(project: Path) -> set[str]:
    with (project / "uat_users.csv").open(encoding="utf-8-sig", newline="") as handle:
        return {row["Id"] for row in csv.DictReader(handle)}


def test_demo_export_is_pre_transformed_and_says_so(exported: Path) -> None:
    manifest = out_json(exported, "full-export.manifest.json")["uatUsers"]
    assert isinstance(manifest, dict) and manifest["transformationApplied"] is True
    assert manifest["transformationMode"] == "pre-transformed-inserts"
    counts = manifest["counts"]
    assert counts["collisions"] == 1 and counts["fallback"] > 0 and counts["manual"] > 0
    # AssignedTo (a real FK to ossys_User) holds only UAT ids or NULL in the emitted INSERTs
    script = (exported / "out/DynamicData/Sales/dbo.Order.dynamic.sql").read_text("utf-8")
    values = set(column_values(script, "AssignedTo"))
    assert values - {"NULL"} and values - {"NULL"} <= uat_ids(exported)
    platform_fks = (exported / "out/ssdt/PostLoad/platform_foreign_keys.sql").read_text("utf-8")
    assert "[ossys_User]" in platform_fks and "WITH CHECK" in platform_fks


def test_unknown_ids_stop_the_run_with_their_list(exported: Path, tmp_path: Path) -> None:
    work = copy_project(exported, tmp_path / "w")
    result = doit(work, "full_export", OSDDL_UAT_USERS_UNKNOWN_IDS="fail")
    assert result.returncode != 0
    assert re.search(r"\b99\b", result.stdout), tail(result)
    assert "uat_users:" in result.stdout and "problem(s)" in result.stdout
    assert not (work / "out/uat-users/transformation-map.json").exists()
    assert not (work / "out/uat-users/02_apply_user_remap.sql").exists()


def test_an_inactive_target_is_refused_unless_allowed(exported: Path, tmp_path: Path) -> None:
    work = copy_project(exported, tmp_path / "w")
    inactive = next(
        row["Id"]
        for row in csv.DictReader((work / "uat_users.csv").open(encoding="utf-8-sig"))
        if row["Is_Active"] in ("0", "False", "false")
    )
    with (work / "user_map.csv").open("a", encoding="utf-8", newline="") as handle:
        handle.write(f"29,{inactive},handed to a disabled account\n")
    refused = doit(work, "full_export")
    assert refused.returncode != 0 and inactive in refused.stdout, tail(refused)
    allowed = doit(work, "full_export", OSDDL_UAT_USERS_ALLOW_INACTIVE_TARGETS="1")
    assert allowed.returncode == 0, tail(allowed)


def test_fallback_single_sends_every_unmatched_orphan_to_one_user(
    exported: Path, tmp_path: Path
) -> None:
    work = copy_project(exported, tmp_path / "w")
    result = doit(work, "full_export", OSDDL_UAT_USERS_FALLBACK="single:5900")
    assert result.returncode == 0, tail(result)
    entries = out_json(work, "uat-users/transformation-map.json")["entries"]
    assert isinstance(entries, list)
    fallback = [e for e in entries if e["origin"] == "fallback"]
    assert fallback and {e["target"] for e in fallback} == {5900}


def test_missing_inventories_stop_with_one_line_naming_them(exported: Path, tmp_path: Path) -> None:
    work = copy_project(exported, tmp_path / "w")
    (work / "qa_users.csv").unlink()
    result = doit(work, "full_export")
    assert result.returncode != 0
    lines = [line for line in result.stdout.splitlines() if "not found" in line]
    assert len(lines) == 1 and "qa_users.csv" in lines[0], tail(result)
    assert "uat_users.enabled = false" in lines[0] and "Traceback" not in result.stdout


def test_the_opt_out_is_reported_and_leaves_ids_alone(exported: Path, tmp_path: Path) -> None:
    work = copy_project(exported, tmp_path / "w")
    off = {"OSDDL_UAT_USERS_ENABLED": "0"}
    result = doit(work, "full_export", **off)
    assert result.returncode == 0, tail(result)
    assert "NOT remapped" in result.stdout
    section = out_json(work, "full-export.manifest.json")["uatUsers"]
    assert section == {
        "transformationApplied": False,
        "transformationMode": "none",
        "reason": "uat_users.enabled = false",
    }
    assert not (work / "out/uat-users").exists()
    again = copy_project(work, tmp_path / "again")
    for name in ("out", "cache"):
        shutil.rmtree(again / name, ignore_errors=True)
    for state in again.glob(".doit.db*"):
        state.unlink()
    assert doit(again, "full_export", **off).returncode == 0
    assert tree(again / "out") == tree(work / "out")  # byte-identical without uat-users too


def test_editing_the_uat_inventory_reruns_only_what_depends_on_users(
    exported: Path, tmp_path: Path
) -> None:
    work = copy_project(exported, tmp_path / "w")
    path = work / "uat_users.csv"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("bruno.muller@example.com", "bruno.m@example.com"), "utf-8")
    result = doit(work, "full_export")
    assert result.returncode == 0, tail(result)
    ran = executed(result)
    assert "uat_users" in ran
    allowed = (
        "uat_users",
        "dynamic_data:",
        "load_script",
        "sweep",
        "verify:",
        "manifest",
        "report",
    )
    assert all(t.startswith(allowed) or t == "full_export" for t in ran), ran
    never = ("extract_model", "profile", "decide", "ssdt", "snapshot", "order", "static_data")
    assert not any(t.startswith(never) for t in ran), ran


@pytest.mark.parametrize("user_ids", ["guid", "text"])
def test_guid_and_text_user_ids_through_the_whole_path(tmp_path: Path, user_ids: str) -> None:
    work = tmp_path / "w"
    work.mkdir()
    build_demo(work, user_ids=user_ids)  # type: ignore[arg-type]
    env = {
        KEYS_BY_NAME[name].env: ",".join(map(str, value)) if isinstance(value, list) else str(value)
        for name, value in uat_users_settings(user_ids, ".").items()  # type: ignore[arg-type]
    }
    result = doit(work, "full_export", **env)
    assert result.returncode == 0, tail(result)
    section = out_json(work, "full-export.manifest.json")["uatUsers"]
    assert isinstance(section, dict) and section["transformationApplied"] is True

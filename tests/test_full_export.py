"""`doit full_export` and `doit verify` end to end: determinism, tampering, incremental reruns,
interrupted runs."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from fixtures.demo import build_demo
from osddl.layout import ARTIFACTS
from osddl.model.store import read_model
from osddl.policy.store import read_decisions
from osddl.proofs.loadable import verify_loadable
from osddl.selection import SelectionOptions, select
from osddl.typed_json import validate
from tests.doit_runs import (
    ROOT,
    copy_project,
    doit,
    doit_command,
    doit_environment,
    executed,
    swap_tables,
    tree,
)


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("export")
    build_demo(work)
    result = doit(work, "full_export")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    lines = result.stdout.splitlines()
    rendered = [i for i, line in enumerate(lines) if line.startswith(".  dynamic_data:")]
    assert len(rendered) == 11  # every exported demo table, each rendered once
    assert max(rendered) < lines.index(".  load_script"), "load.sql written before every table"
    return work


def test_two_runs_give_byte_identical_trees(exported: Path, tmp_path: Path) -> None:
    again = copy_project(exported, tmp_path / "again")
    for name in ("out", "cache"):
        shutil.rmtree(again / name)
    for state in again.glob(".doit.db*"):
        state.unlink()
    result = doit(again, "full_export")
    assert result.returncode == 0, result.stderr[-2000:]
    first, second = tree(exported / "out"), tree(again / "out")
    assert "full-export.manifest.json" in first
    assert first == second


def test_verify_passes_on_a_fresh_export(exported: Path, tmp_path: Path) -> None:
    work = copy_project(exported, tmp_path / "w")
    result = doit(work, "verify")
    assert result.returncode == 0, result.stdout[-3000:]
    for proof in ("topological order", "order verification", "export validation"):
        assert re.search(rf"^verify: {proof} +pass ", result.stdout, re.MULTILINE), proof


# Every JSON artifact of a full run → its committed schema under docs/schemas/.
# From the layout table: every JSON artifact's committed schema.
ARTIFACT_SCHEMAS = {a.template: a.schema for a in ARTIFACTS if a.schema and "{" not in a.template}


def test_every_json_artifact_validates_against_its_committed_schema(exported: Path) -> None:
    out = exported / "out"
    found = sorted(p.relative_to(out).as_posix() for p in out.rglob("*.json"))
    assert set(found) <= set(ARTIFACT_SCHEMAS), "a JSON artifact without a committed schema"
    for relative in found:
        schema = json.loads((ROOT / "docs/schemas" / ARTIFACT_SCHEMAS[relative]).read_text("utf-8"))
        document = json.loads((out / relative).read_text("utf-8"))
        assert validate(schema, document) == [], relative


def tamper_byte(out: Path) -> str:
    path = out / "DynamicData/Sales/dbo.Customer.dynamic.sql"
    data = bytearray(path.read_bytes())
    index = data.rindex(b"N'") + 2
    data[index] = ord("X") if data[index] != ord("X") else ord("Y")
    path.write_bytes(bytes(data))
    return "changed: DynamicData/Sales/dbo.Customer.dynamic.sql"


def stray_file(out: Path) -> str:
    (out / "DynamicData/Sales/notes.txt").write_text("scratch\n", encoding="utf-8")
    return "unexpected: DynamicData/Sales/notes.txt"


@pytest.mark.parametrize("tamper", [tamper_byte, stray_file, swap_tables], ids=lambda f: f.__name__)
def test_verify_fails_on_tampering(exported: Path, tmp_path: Path, tamper: object) -> None:
    work = copy_project(exported, tmp_path / "w")
    expected = tamper(work / "out")  # type: ignore[operator]
    result = doit(work, "verify")
    assert result.returncode != 0
    assert expected in result.stdout, result.stdout[-3000:]


def test_editing_the_policy_mode_reruns_no_snapshot(exported: Path, tmp_path: Path) -> None:
    """Aggressive makes Employee.HireDate NOT NULL over the demo's NULLs: the gate fails on the
    loadable pair, listing the column (issue 11 item 6), after rerunning only the policy side."""
    work = copy_project(exported, tmp_path / "w")
    result = doit(work, "full_export", OSDDL_POLICY_MODE="aggressive")
    assert result.returncode != 0, result.stdout[-3000:]
    assert "verify:loadable: FAIL" in result.stdout
    assert "NULLs under NOT NULL (HR::Employee.HireDate)" in result.stdout
    proof = json.loads((work / "out/proofs/loadable-verification.json").read_text())
    assert [(f["kind"], f["constraint"]) for f in proof["failures"]] == [
        ("null", "dbo.OSUSR_HRM_EMPLOYEE.HIREDATE")
    ]
    for folder in ("suggestions", "Remediation"):
        for script in (work / "out/ssdt" / folder).glob("*.sql"):
            assert "ossys" not in script.read_text(encoding="utf-8").casefold(), script
    ran = executed(result)
    assert {"decide", "ssdt", "verify:order", "manifest", "full_export"} <= ran
    assert not any(
        t.startswith(("snapshot", "extract_model", "profile", "static_data")) for t in ran
    ), ran


def test_single_file_mode_and_back(exported: Path, tmp_path: Path) -> None:
    work = copy_project(exported, tmp_path / "w")
    single = doit(work, "full_export", OSDDL_DATA_INSERT_MODE="single-file")
    assert single.returncode == 0, single.stdout[-3000:]
    combined = (work / "out/DynamicData/all.dynamic.sql").read_text(encoding="utf-8")
    load = (work / "out/DynamicData/load.sql").read_text(encoding="utf-8")
    assert ":r .\\all.dynamic.sql" in load and ".dynamic.sql" not in load.replace("all.dynamic", "")
    order = json.loads((work / "out/proofs/topological-order-proof.json").read_text())["order"]
    sources = re.findall(r"^-- osddl DynamicData \|.*\| source (\S+) \|", combined, re.MULTILINE)
    assert sources == order
    assert not list((work / "out/DynamicData").glob("*/*.dynamic.sql"))
    checked = doit(work, "verify", OSDDL_DATA_INSERT_MODE="single-file")
    assert checked.returncode == 0, checked.stdout[-3000:]
    back = doit(work, "full_export")
    assert back.returncode == 0 and not (work / "out/DynamicData/all.dynamic.sql").exists()
    assert doit(work, "verify").returncode == 0


def test_noop_rerun_runs_only_the_sweep(exported: Path, tmp_path: Path) -> None:
    work = copy_project(exported, tmp_path / "w")
    ran = executed(doit(work, "full_export"))
    assert ran == {"sweep"}, ran


def _kill_when(
    process: subprocess.Popen[str], folder: Path, pattern: str, timeout: float = 120
) -> bool:
    """SIGKILL the run as soon as a temp file matching `pattern` exists (a write in progress)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        if any(folder.rglob(pattern)):
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            return True
        time.sleep(0.005)
    return False


def test_two_parallel_processes_give_the_same_bytes(exported: Path, tmp_path: Path) -> None:
    """`doit -n 2` runs tasks (tables) in worker processes; the tree is the one of `-n 1`."""
    work = copy_project(exported, tmp_path / "parallel")
    for name in ("out", "cache"):
        shutil.rmtree(work / name)
    for state in work.glob(".doit.db*"):
        state.unlink()
    result = doit(work, "-n", "2", "full_export")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert tree(work / "out") == tree(exported / "out")


@pytest.mark.parametrize(
    ("folder", "pattern", "processes"),
    [
        ("out/data", ".*.parquet.*.tmp", "1"),
        ("out/DynamicData", ".*.dynamic.sql.*.tmp", "1"),
        ("out/DynamicData", ".*.dynamic.sql.*.tmp", "2"),
    ],
)
def test_interrupted_run_finishes_with_the_same_bytes(
    tmp_path: Path, folder: str, pattern: str, processes: str
) -> None:
    from fixtures.scale import build_scale

    work = tmp_path / "w"
    work.mkdir()
    build_scale(work / "qa.sqlite", entities=3, attributes=8, rows=40_000, fk_depth=2)
    no_users = {"OSDDL_UAT_USERS_ENABLED": "0"}  # the scale database has no user inventories
    process = subprocess.Popen(
        doit_command(work, "-n", processes, "full_export"),
        cwd=work,
        text=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=doit_environment(no_users),
        start_new_session=True,
    )
    assert _kill_when(process, work / folder, pattern), "the run ended before the kill"
    for final in (work / folder).rglob("*"):
        if final.is_file() and final.suffix in (".parquet", ".sql"):
            assert final.stat().st_size > 0  # only complete files carry a final name
    resumed = doit(work, "-n", processes, "full_export", **no_users)
    assert resumed.returncode == 0, resumed.stdout[-3000:]
    clean = tmp_path / "clean"
    clean.mkdir()
    shutil.copy(work / "qa.sqlite", clean / "qa.sqlite")
    assert doit(clean, "full_export", **no_users).returncode == 0
    assert tree(work / "out") == tree(clean / "out")


def test_platform_tables_never_appear_in_suggestions_or_remediation(exported: Path) -> None:
    scripts = [*(exported / "out/ssdt").glob("suggestions/*.sql")]
    scripts += (exported / "out/ssdt").glob("Remediation/*.sql")
    assert len(scripts) == 5
    for script in scripts:
        assert "ossys" not in script.read_text(encoding="utf-8").casefold(), script


def _tamper_snapshot(out: Path, table: str, column: str, edit: Callable[[list[Any]], None]) -> None:
    snapshot = out / f"data/{table}.parquet"
    data = pq.read_table(snapshot)
    values = data.column(column).to_pylist()
    edit(values)
    index = data.column_names.index(column)
    data = data.set_column(index, column, pa.array(values, type=data.schema.field(column).type))
    pq.write_table(data, snapshot)


def _first_row_null(values: list[Any]) -> None:
    values[0] = None


def _second_row_copies_the_first(values: list[Any]) -> None:
    values[1] = values[0]


def _first_row_dangles(values: list[Any]) -> None:
    values[0] = 10**9


LOADABLE_TAMPERS: dict[str, tuple[str, str, Callable[[list[Any]], None], str]] = {
    "null": ("dbo.OSUSR_SAL_ORDER", "NUMBER", _first_row_null, "dbo.OSUSR_SAL_ORDER.NUMBER"),
    "duplicate": (
        "dbo.OSUSR_CAT_TAG",
        "NAME",
        _second_row_copies_the_first,
        "dbo.OSUSR_CAT_TAG.OSIDX_OSUSR_CAT_TAG_NAME",
    ),
    "orphan": (
        "dbo.OSUSR_SAL_ORDERLINE",
        "ORDERID",
        _first_row_dangles,
        "dbo.OSUSR_SAL_ORDERLINE.ORDERID",
    ),
}


@pytest.mark.parametrize("kind", LOADABLE_TAMPERS, ids=str)
def test_loadable_proof_fails_on_data_the_schema_refuses(
    exported: Path, tmp_path: Path, kind: str
) -> None:
    table, column, edit, constraint = LOADABLE_TAMPERS[kind]
    work = copy_project(exported, tmp_path / "w")
    out = work / "out"
    before = verify_loadable_in(out)
    assert before["verdict"] == "pass" and before["checked"]["foreignKeys"] > 0
    _tamper_snapshot(out, table, column, edit)
    after = verify_loadable_in(out)
    assert after["verdict"] == "fail"
    assert [(f["kind"], f["constraint"]) for f in after["failures"]] == [(kind, constraint)]
    assert after["failures"][0]["samples"]
    schema = json.loads((ROOT / "docs/schemas/loadable-verification.schema.json").read_text())
    assert validate(schema, after) == []


def verify_loadable_in(out: Path) -> dict[str, Any]:
    model = read_model(out / "model.json")
    decisions = read_decisions(out / "decisions.json")
    return verify_loadable(model, decisions, select(model, SelectionOptions()), out)

"""`doit full_export` and `doit verify` end to end: determinism, tampering, incremental reruns,
interrupted runs."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from fixtures.demo import build_demo

ROOT = Path(__file__).resolve().parents[1]
VOLATILE = {"run-log.jsonl"}


def doit(cwd: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {
        **os.environ,
        "OSDDL_SOURCE_URL": "sqlite:///qa.sqlite",
        "OSDDL_OUTPUT_DIR": "out",
        "OSDDL_CACHE_DIR": "cache",
        **env,
    }
    environment.pop("OSDDL_CONFIG", None)
    return subprocess.run(
        [sys.executable, "-m", "doit", "-f", str(ROOT / "dodo.py"), "--dir", str(cwd), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=environment,
    )


def executed(result: subprocess.CompletedProcess[str]) -> set[str]:
    return {line[3:].strip() for line in result.stdout.splitlines() if line.startswith(".  ")}


def tree(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name not in VOLATILE
    }


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


def copy(exported: Path, target: Path) -> Path:
    shutil.copytree(exported, target, dirs_exist_ok=True)
    return target


def test_two_runs_give_byte_identical_trees(exported: Path, tmp_path: Path) -> None:
    again = copy(exported, tmp_path / "again")
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
    work = copy(exported, tmp_path / "w")
    result = doit(work, "verify")
    assert result.returncode == 0, result.stdout[-3000:]
    assert "verify:order: pass" in result.stdout and "verify:export: pass" in result.stdout


def tamper_byte(out: Path) -> str:
    path = out / "DynamicData/Sales/dbo.Customer.dynamic.sql"
    data = bytearray(path.read_bytes())
    index = data.rindex(b"N'") + 2
    data[index] = ord("X") if data[index] != ord("X") else ord("Y")
    path.write_bytes(bytes(data))
    return "changed: DynamicData/Sales/dbo.Customer.dynamic.sql"


def delete_seed(out: Path) -> str:
    (out / "ssdt/Seeds/Sales/dbo.OrderStatus.seed.sql").unlink()
    return "missing: ssdt/Seeds/Sales/dbo.OrderStatus.seed.sql"


def stray_file(out: Path) -> str:
    (out / "DynamicData/Sales/notes.txt").write_text("scratch\n", encoding="utf-8")
    return "unexpected: DynamicData/Sales/notes.txt"


def swap_tables(out: Path) -> str:
    path = out / "DynamicData/load.sql"
    lines = path.read_text(encoding="utf-8").splitlines()
    parent = lines.index(r":r .\Sales\dbo.Customer.dynamic.sql")
    child = lines.index(r":r .\Sales\dbo.Order.dynamic.sql")
    lines[parent], lines[child] = lines[child], lines[parent]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return "verify:order: FAIL"


@pytest.mark.parametrize(
    "tamper", [tamper_byte, delete_seed, stray_file, swap_tables], ids=lambda f: f.__name__
)
def test_verify_fails_on_tampering(exported: Path, tmp_path: Path, tamper: object) -> None:
    work = copy(exported, tmp_path / "w")
    expected = tamper(work / "out")  # type: ignore[operator]
    result = doit(work, "verify")
    assert result.returncode != 0
    assert expected in result.stdout, result.stdout[-3000:]


def test_editing_the_policy_mode_reruns_no_snapshot(exported: Path, tmp_path: Path) -> None:
    work = copy(exported, tmp_path / "w")
    result = doit(work, "full_export", OSDDL_POLICY_MODE="aggressive")
    assert result.returncode == 0, result.stdout[-3000:]
    ran = executed(result)
    assert {"decide", "ssdt", "verify:order", "manifest"} <= ran
    assert not any(
        t.startswith(("snapshot", "extract_model", "profile", "static_data")) for t in ran
    ), ran


def test_single_file_mode_and_back(exported: Path, tmp_path: Path) -> None:
    work = copy(exported, tmp_path / "w")
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


def test_noop_rerun_runs_only_the_always_tasks(exported: Path, tmp_path: Path) -> None:
    work = copy(exported, tmp_path / "w")
    ran = executed(doit(work, "full_export"))
    assert ran <= {"verify:order", "manifest"}, ran


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


@pytest.mark.parametrize(
    ("folder", "pattern"),
    [("out/data", ".*.parquet.*.tmp"), ("out/DynamicData", ".*.dynamic.sql.*.tmp")],
)
def test_interrupted_run_finishes_with_the_same_bytes(
    tmp_path: Path, folder: str, pattern: str
) -> None:
    from fixtures.scale import build_scale

    work = tmp_path / "w"
    work.mkdir()
    build_scale(work / "qa.sqlite", entities=3, attributes=8, rows=40_000, fk_depth=2)
    environment = {
        **os.environ,
        "OSDDL_SOURCE_URL": "sqlite:///qa.sqlite",
        "OSDDL_OUTPUT_DIR": "out",
        "OSDDL_CACHE_DIR": "cache",
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "doit",
            "-f",
            str(ROOT / "dodo.py"),
            "--dir",
            str(work),
            "full_export",
        ],
        cwd=work,
        text=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=environment,
        start_new_session=True,
    )
    assert _kill_when(process, work / folder, pattern), "the run ended before the kill"
    for final in (work / folder).rglob("*"):
        if final.is_file() and final.suffix in (".parquet", ".sql"):
            assert final.stat().st_size > 0  # only complete files carry a final name
    resumed = doit(work, "full_export")
    assert resumed.returncode == 0, resumed.stdout[-3000:]
    clean = tmp_path / "clean"
    clean.mkdir()
    shutil.copy(work / "qa.sqlite", clean / "qa.sqlite")
    assert doit(clean, "full_export").returncode == 0
    assert tree(work / "out") == tree(clean / "out")

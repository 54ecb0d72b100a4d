"""Every fault is one line naming the problem and the fix, with its documented exit code, never a
traceback; the rerun after the fault ends byte-identical to a clean run (osddl/faults.py)."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from fixtures.demo import build_demo
from osddl.faults import CODES, exit_code_table
from osddl.io import atomic_write_bytes
from tests.doit_runs import (
    ROOT,
    copy_project,
    doit,
    doit_command,
    doit_environment,
    tail,
    tree,
)

TROUBLESHOOTING = ROOT / "docs/troubleshooting.md"


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("clean")
    build_demo(work)
    result = doit(work, "full_export")
    assert result.returncode == 0, tail(result)
    return work


def one_line(result: subprocess.CompletedProcess[str], code: str) -> str:
    """The run failed with exit `code`, no traceback, and the fault's line (the line after doit's
    `Fault - taskid:` header, or osddl's `osddl:` line)."""
    both = result.stdout + result.stderr
    assert result.returncode == CODES[code], tail(result)
    assert "Traceback" not in both and "PythonAction Error" not in both, tail(result)
    lines = both.splitlines()
    header = next((i for i, line in enumerate(lines) if line.startswith("Fault - taskid:")), None)
    if header is not None:
        return lines[header + 1]
    return next(line for line in lines if line.startswith("osddl: "))


def test_missing_sqlite_source_is_one_line(clean: Path, tmp_path: Path) -> None:
    work = copy_project(clean, tmp_path / "w")
    (work / "qa.sqlite").unlink()
    doit(work, "extract_model")  # doit's own DependencyError (exit 2) forgets the task's state
    line = one_line(doit(work, "extract_model"), "EX_NOINPUT")
    assert line == (
        "qa.sqlite: cannot read this source file (no such file or directory); check source.url "
        "(or source.attach, model.from_file) and that this user may read the file"
    )


def test_unreachable_server_is_one_line_with_the_url_redacted(clean: Path, tmp_path: Path) -> None:
    work = copy_project(clean, tmp_path / "w")
    url = "postgresql+psycopg://reader:canary-pw@127.0.0.1:1/qa"
    result = doit(work, "extract_model", OSDDL_SOURCE_URL=url)
    line = one_line(result, "EX_UNAVAILABLE")
    assert line.startswith("postgresql+psycopg://reader:***@127.0.0.1:1/qa: ")
    assert line.endswith(
        "Connection refused; check that it is running, the host and port in source.url, "
        "and the network"
    )
    assert "canary-pw" not in result.stdout + result.stderr


def test_corrupt_run_state_is_one_line(clean: Path, tmp_path: Path) -> None:
    work = copy_project(clean, tmp_path / "w")
    (work / ".doit.db").write_bytes(b"not a database at all, nor JSON")
    assert one_line(doit(work, "full_export"), "EX_DATAERR") == (
        "osddl: .doit.db: the run-state file is corrupt (file is not a database); delete "
        ".doit.db and its -wal/-shm files, then run again (every task reruns once; out/ is kept)"
    )
    for state in work.glob(".doit.db*"):
        state.unlink()
    assert doit(work, "full_export").returncode == 0
    assert tree(work / "out") == tree(clean / "out")


def test_corrupt_parquet_artifact_names_the_file(clean: Path, tmp_path: Path) -> None:
    work = copy_project(clean, tmp_path / "w")
    snapshot = work / "out/data/dbo.OSUSR_SAL_ORDER.parquet"
    snapshot.write_bytes(b"xx")
    assert one_line(doit(work, "full_export"), "EX_DATAERR") == (
        "out/data/dbo.OSUSR_SAL_ORDER.parquet: not a readable Parquet file (Parquet file size is "
        "2 bytes, smaller than the minimum file footer (8 bytes)); delete it and run again: the "
        "task that writes it rebuilds it"
    )
    snapshot.unlink()
    assert doit(work, "full_export").returncode == 0
    assert tree(work / "out") == tree(clean / "out")


def test_corrupt_json_artifact_names_file_line_and_column(clean: Path, tmp_path: Path) -> None:
    work = copy_project(clean, tmp_path / "w")
    (work / "out/model.json").write_text('{"modules": [\n', encoding="utf-8")
    line = one_line(doit(work, "full_export"), "EX_DATAERR")
    # told by the first task reading it, or (tasks running in parallel) while doit creates the
    # per-table tasks from it
    assert line.removeprefix("osddl: ").startswith("out/model.json:2:1: malformed JSON (Expecting")


def test_output_path_that_is_a_file_is_one_line(clean: Path, tmp_path: Path) -> None:
    work = copy_project(clean, tmp_path / "w")
    shutil.rmtree(work / "out/DynamicData")
    (work / "out/DynamicData").write_text("in the way", encoding="utf-8")
    line = one_line(doit(work, "full_export"), "EX_CANTCREAT")
    assert line.startswith("out/DynamicData/")
    assert line.endswith(
        ": out/DynamicData is a file where a folder is expected; move that file away, or set "
        "output.dir / cache.dir elsewhere, then run again"
    )


def _read_only(folder: Path) -> Callable[[list[str]], list[str]]:
    """A command run with `folder` read-only: a read-only bind mount in a private mount namespace
    (root: EROFS, gone with the process), else mode 0555 (EACCES)."""
    if os.geteuid() == 0 and shutil.which("unshare"):
        script = 'mount --bind "$0" "$0" && mount -o remount,ro,bind "$0" "$0" && exec "$@"'
        return lambda command: ["unshare", "-m", "sh", "-c", script, str(folder), *command]
    for each in (folder, *(p for p in folder.rglob("*") if p.is_dir())):
        each.chmod(0o555)
    return lambda command: command


def test_read_only_output_then_writable_again_is_byte_identical(
    clean: Path, tmp_path: Path
) -> None:
    work = copy_project(clean, tmp_path / "w")
    (work / "out/DynamicData/load.sql").unlink()
    wrap = _read_only(work / "out")
    result = subprocess.run(
        wrap(doit_command(work, "full_export")),
        cwd=work,
        capture_output=True,
        text=True,
        env=doit_environment(),
    )
    reason = "read-only file system" if os.geteuid() == 0 else "permission denied"
    assert one_line(result, "EX_CANTCREAT") == (
        f"out/DynamicData/load.sql: cannot write here ({reason}); make out/DynamicData writable, "
        "or set output.dir / cache.dir to a writable folder, then run again"
    )
    assert not (work / "out/DynamicData/load.sql").exists()
    for each in (work / "out", *(p for p in (work / "out").rglob("*") if p.is_dir())):
        each.chmod(0o755)
    assert doit(work, "full_export").returncode == 0
    assert tree(work / "out") == tree(clean / "out")


@pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("unshare"), reason="needs a tmpfs")
def test_full_disk_is_one_line_and_leaves_nothing_half_written(clean: Path, tmp_path: Path) -> None:
    """A real full disk: a 64 KiB tmpfs over out/DynamicData in a private mount namespace."""
    work = copy_project(clean, tmp_path / "w")
    folder = work / "out/DynamicData"
    shutil.rmtree(folder)
    folder.mkdir()
    script = (
        'mount -t tmpfs -o size=64k tmpfs "$0" && "$@"; code=$?; '
        'ls -A "$0" | grep -c "\\.tmp$" >&2; exit $code'
    )
    result = subprocess.run(
        ["unshare", "-m", "sh", "-c", script, str(folder), *doit_command(work, "full_export")],
        cwd=work,
        capture_output=True,
        text=True,
        env=doit_environment(),
    )
    # The DynamicData writer streams through its own temp file (osddl/export/dynamic.py), so the
    # line does not name the file yet: atomic_write_bytes's writes do (io.about).
    assert one_line(result, "EX_IOERR") == (
        "cannot write here (no space left on device); free space on that disk (or set "
        "output.dir / cache.dir on a larger one), then run again; finished artifacts are kept "
        "and nothing half-written is"
    )
    assert result.stderr.splitlines()[-1] == "0", "a temp file was left in the full folder"
    assert doit(work, "full_export").returncode == 0
    assert tree(work / "out") == tree(clean / "out")


def test_debug_shows_the_traceback(clean: Path, tmp_path: Path) -> None:
    work = copy_project(clean, tmp_path / "w")
    (work / "out/model.json").write_text("{", encoding="utf-8")
    (work / "out/data/dbo.OSUSR_SAL_ORDER.parquet").write_bytes(b"xx")
    result = doit(work, "full_export", OSDDL_DEBUG="1")
    assert result.returncode != 0 and "Traceback" in result.stdout + result.stderr


@pytest.mark.parametrize("umask", [0o022, 0o027])
def test_artifacts_follow_the_umask(tmp_path: Path, umask: int) -> None:
    target = tmp_path / "a.json"
    previous = os.umask(umask)
    try:
        atomic_write_bytes(target, b"{}\n")
    finally:
        os.umask(previous)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~umask


def test_a_full_run_writes_every_artifact_with_the_umask_mode(clean: Path) -> None:
    modes = {
        p.relative_to(clean).as_posix(): oct(stat.S_IMODE(p.stat().st_mode))
        for p in (clean / "out").rglob("*")
        if p.is_file()
    }
    assert set(modes.values()) == {oct(0o666 & ~0o022)}, modes


def test_sweep_says_a_leftover_temp_file_is_one(clean: Path, tmp_path: Path) -> None:
    work = copy_project(clean, tmp_path / "w")
    (work / "out/DynamicData/Sales/.dbo.Order.dynamic.sql.1a2b3c.tmp").write_text("half")
    result = doit(work, "full_export")
    assert result.returncode == 0, tail(result)
    assert (
        "sweep: removed DynamicData/Sales/.dbo.Order.dynamic.sql.1a2b3c.tmp: a leftover temp "
        "file of an interrupted write"
    ) in result.stdout


def test_the_exit_code_table_in_the_docs_is_the_code_s() -> None:
    assert exit_code_table() in TROUBLESHOOTING.read_text(encoding="utf-8")

"""Running the real task graph as an operator does, for the end-to-end tests.

A project folder holds the demo database (`qa.sqlite`), `out/`, `cache/` and doit's state; a run is
`python -m doit -f ROOT/dodo.py --dir <project> <tasks>` with `OSDDL_*` variables, in a subprocess.
doit prints `.  task` for a task it ran and `-- task` for one it found up to date.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

from fixtures.demo import uat_users_settings
from osddl.config import KEYS_BY_NAME

ROOT = Path(__file__).resolve().parents[1]
VOLATILE = frozenset({"run-log.jsonl"})  # run times: the one file allowed to differ between runs


def _env_value(value: object) -> str:
    """A setting as an OSDDL_* variable spells it: lists comma-separated, booleans 1/0."""
    if isinstance(value, list):
        return ",".join(map(str, value))
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)


# The demo's uat-users settings (osddl.toml of the repository), with the inputs that
# `build_demo(project)` writes beside qa.sqlite.
DEMO_USERS_ENV = {
    KEYS_BY_NAME[name].env: _env_value(value)
    for name, value in uat_users_settings("int", ".").items()
}
PROJECT_ENV = {
    "OSDDL_SOURCE_URL": "sqlite:///qa.sqlite",
    "OSDDL_OUTPUT_DIR": "out",
    "OSDDL_CACHE_DIR": "cache",
    **DEMO_USERS_ENV,
}
RAN, UP_TO_DATE = ".  ", "-- "


# --- running ---


def doit_command(project: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "doit", "-f", str(ROOT / "dodo.py"), "--dir", str(project), *args]


def doit_environment(env: Mapping[str, str] | None = None) -> dict[str, str]:
    """This process's environment without any inherited osddl setting, plus the project's and
    `env`: a run sees exactly the settings the test gives it."""
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("OSDDL_")}
    return {**inherited, **PROJECT_ENV, **(env or {})}


RUN_TIMEOUT = 900  # seconds: a run that hangs (workers left waiting, say) fails instead


def doit(project: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        doit_command(project, *args),
        cwd=project,
        capture_output=True,
        text=True,
        env=doit_environment(env),
        timeout=RUN_TIMEOUT,
    )


def _tasks(result: subprocess.CompletedProcess[str], marker: str) -> set[str]:
    return {line[3:].strip() for line in result.stdout.splitlines() if line.startswith(marker)}


def executed(result: subprocess.CompletedProcess[str]) -> set[str]:
    """Tasks this run executed (`.  task`)."""
    return _tasks(result, RAN)


def up_to_date(result: subprocess.CompletedProcess[str]) -> set[str]:
    """Tasks this run found up to date (`-- task`)."""
    return _tasks(result, UP_TO_DATE)


def outcome(result: subprocess.CompletedProcess[str]) -> str:
    """doit's exit status class: 0 ok, 1 a task failed, 2 and up an error before or around tasks
    (a refused setting, a bad command line)."""
    return {0: "ok", 1: "task failed"}.get(result.returncode, "error")


def tail(result: subprocess.CompletedProcess[str], chars: int = 3000) -> str:
    """The end of both streams, for assertion messages."""
    return f"exit {result.returncode}\n{result.stdout[-chars:]}\n{result.stderr[-chars:]}"


# --- project folders and their output trees ---


def copy_project(source: Path, target: Path) -> Path:
    """A copy of a whole project (database, out/, cache/, doit state), file times kept."""
    shutil.copytree(source, target, dirs_exist_ok=True)
    return target


def tree(root: Path) -> dict[str, bytes]:
    """Every file under `root` (relative POSIX path → bytes) but the volatile run log."""
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name not in VOLATILE
    }


def tree_diff(actual: Mapping[str, bytes], expected: Mapping[str, bytes]) -> list[str]:
    """What differs, one line per path: empty when the trees are byte-identical."""
    return [
        *(f"only in the rerun: {p}" for p in sorted(actual.keys() - expected.keys())),
        *(f"only in the cold run: {p}" for p in sorted(expected.keys() - actual.keys())),
        *(
            f"different bytes: {p}"
            for p in sorted(actual.keys() & expected.keys())
            if actual[p] != expected[p]
        ),
    ]


# --- tampering with emitted files (a make-like rerun leaves a changed target as it is) ---


def swap_tables(out: Path) -> str:
    """Include a child's DynamicData before its parent's in load.sql: the order proof fails."""
    path = out / "DynamicData/load.sql"
    lines = path.read_text(encoding="utf-8").splitlines()
    parent = lines.index(r":r .\Sales\dbo.Customer.dynamic.sql")
    child = lines.index(r":r .\Sales\dbo.Order.dynamic.sql")
    lines[parent], lines[child] = lines[child], lines[parent]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return "verify:order: FAIL"


def miscount_rows(out: Path) -> str:
    """Make a DynamicData header announce one row more than its snapshot holds."""
    path = out / "DynamicData/Sales/dbo.Customer.dynamic.sql"
    text = path.read_text(encoding="utf-8")
    header = re.search(r"\| rows (\d+)$", text, re.MULTILINE)
    assert header is not None, "no `rows <n>` header to tamper with"
    changed = f"| rows {int(header[1]) + 1}"
    path.write_text(text[: header.start()] + changed + text[header.end() :], encoding="utf-8")
    return "row-count: DynamicData/Sales/dbo.Customer.dynamic.sql"

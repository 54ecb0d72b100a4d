"""The wheel is the product: it holds the core, the task graph, the templates and the demo builder,
so that `pip install` of it into a fresh venv, `osddl init`, `osddl full_export` and `osddl verify`
work in an empty folder outside the repository."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MAPPED = {"osddl.tasks": "tasks", "osddl.demo": "fixtures", "osddl.templates": "templates"}


def test_the_wheel_lists_every_package_of_the_tree() -> None:
    setup = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]
    tree = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for init in (ROOT / "osddl").rglob("__init__.py")
    }
    assert set(setup["setuptools"]["packages"]) == tree | set(MAPPED)
    assert {k: v for k, v in setup["setuptools"]["package-dir"].items() if k} == MAPPED


def test_the_core_never_imports_doit_or_the_checkout_folders() -> None:
    """Only the entry point (osddl/cli.py) runs doit; nothing imports tasks/ or fixtures/ by their
    checkout names, which do not exist in the wheel."""
    for source in (ROOT / "osddl").rglob("*.py"):
        text = source.read_text(encoding="utf-8")
        doit = () if source.name == "cli.py" else ("import doit", "from doit")
        for banned in (*doit, "from tasks", "from fixtures", "import tasks", "import fixtures"):
            assert banned not in text, f"{source.relative_to(ROOT)}: {banned}"


def _run(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(args, cwd=cwd, capture_output=True, text=True, env=env, timeout=900)
    assert result.returncode == 0, f"{args}\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result


@pytest.mark.slow
def test_wheel_into_a_fresh_venv_then_init_full_export_and_verify(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OSDDL_", "VIRTUAL_ENV"))}
    wheels, venv, project = tmp_path / "wheels", tmp_path / "venv", tmp_path / "project"
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(ROOT)],
         tmp_path, env)  # fmt: skip
    (wheel,) = wheels.glob("osddl-*.whl")
    _run([sys.executable, "-m", "venv", str(venv)], tmp_path, env)
    _run([str(venv / "bin" / "pip"), "install", "-q", str(wheel)], tmp_path, env)
    osddl = str(venv / "bin" / "osddl")
    version = _run([osddl, "--version"], tmp_path, env)
    assert version.stdout.startswith("osddl ")
    _run([osddl, "init", "project"], tmp_path, env)
    assert sorted(p.name for p in project.iterdir()) == ["demo", "osddl.toml"]
    run = _run([osddl, "full_export"], project, env)
    assert "verify: FAILED" not in run.stdout
    assert (project / "out" / "report.html").is_file()
    _run([osddl, "verify"], project, env)
    listed = _run([osddl, "list"], project, env).stdout
    assert "demo_db" not in listed and "full_export" in listed

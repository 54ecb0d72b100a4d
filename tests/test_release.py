"""Release hygiene: one version source, shown by `osddl --version` and required in the manifest."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from importlib.metadata import version
from pathlib import Path

import pytest

from osddl import __version__
from osddl.cli import main, parse_options, version_text
from osddl.schemas import manifest_schema

ROOT = Path(__file__).resolve().parents[1]


def test_pyproject_reads_the_version_from_the_package() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "version" not in project["project"] and "version" in project["project"]["dynamic"]
    assert project["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "osddl.__version__"}


def test_version_option_prints_osddl_and_doit_versions(capsys: pytest.CaptureFixture[str]) -> None:
    assert parse_options(["decide", "--version"]).version
    assert main(["--version"]) == 0
    assert capsys.readouterr().out == f"osddl {__version__} (doit {version('doit')})\n"
    assert version_text() == f"osddl {__version__} (doit {version('doit')})"


def test_version_option_through_the_entry_point() -> None:
    run = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from osddl.cli import main; sys.exit(main())",
            "--version",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert (run.returncode, run.stdout.strip(), run.stderr) == (0, version_text(), "")


def test_manifest_schema_requires_the_osddl_version() -> None:
    assert manifest_schema()["properties"]["versions"]["required"] == ["osddl"]


@pytest.mark.parametrize("name", ["LICENSE", "CONTRIBUTING.md", "CHANGELOG.md"])
def test_release_files_exist(name: str) -> None:
    assert (ROOT / name).read_text(encoding="utf-8").strip()


def test_contributing_names_the_commands_that_exist() -> None:
    text = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
    for needle in ('-m "not slow"', "OSDDL_REGENERATE_GOLDEN=1", "doit docs", "--quick"):
        assert needle in text
    for bench in ROOT.glob("bench/*.py"):
        assert bench.stem in text, f"{bench.name} missing from CONTRIBUTING.md"

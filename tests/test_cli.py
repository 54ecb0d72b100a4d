"""`osddl <task>` is `doit <task>`, plus --config and --set at the command-line precedence."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from fixtures.demo import build_demo
from osddl.cli import parse_options

ROOT = Path(__file__).resolve().parents[1]


def run_osddl(args: list[str], **env: str) -> subprocess.CompletedProcess[str]:
    code = "import sys; from osddl.cli import main; sys.exit(main(sys.argv[1:]))"
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, **env},
    )


def test_osddl_runs_the_doit_task_with_cli_settings(tmp_path: Path) -> None:
    build_demo(tmp_path)
    result = run_osddl(
        [
            "--set",
            f"output.dir={tmp_path / 'out'}",
            "--set",
            "naming.tables=physical",
            "--db-file",
            str(tmp_path / "doit.db"),
            "extract_model",
        ],
        OSDDL_SOURCE_URL=f"sqlite:///{tmp_path / 'qa.sqlite'}",
        OSDDL_NAMING_TABLES="logical",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    model = (tmp_path / "out/model.json").read_text(encoding="utf-8")
    assert '"emittedName": "OSUSR_SAL_CUSTOMER"' in model  # --set beat the environment


def test_unknown_set_key_is_refused_with_a_hint() -> None:
    with pytest.raises(SystemExit) as error:
        parse_options(["--set", "model.module=Sales", "extract_model"])
    assert str(error.value).startswith(
        "osddl: --set 'model.module=Sales': unknown setting or missing '='; "
        "did you mean 'model.modules'?"
    )


def test_options_are_split_from_doit_arguments() -> None:
    assert parse_options(["--config", "x.toml", "--set", "output.dir=o", "list", "--all"]) == (
        "x.toml",
        {"output.dir": "o"},
        ["list", "--all"],
    )


def test_bad_config_stops_doit_with_one_message(tmp_path: Path) -> None:
    config = tmp_path / "osddl.toml"
    config.write_text('[model]\nmodule = ["Sales"]\n', encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "doit", "list"],
        cwd=ROOT,
        text=True,
        capture_output=True,
        env={**os.environ, "OSDDL_CONFIG": str(config)},
    )
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"osddl: {config}: unknown setting 'model.module'; did you mean 'model.modules'?"
    )

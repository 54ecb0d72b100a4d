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


def run_osddl(args: list[str], cwd: Path = ROOT, **env: str) -> subprocess.CompletedProcess[str]:
    code = "import sys; from osddl.cli import main; sys.exit(main(sys.argv[1:]))"
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=cwd,
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
    options = parse_options(["--config", "x.toml", "--set", "output.dir=o", "list", "--all"])
    assert (options.config, options.sets, options.rest) == ("x.toml", {"output.dir": "o"},
                                                            ["list", "--all"])  # fmt: skip


def test_options_may_follow_the_task_names_in_either_spelling() -> None:
    options = parse_options(
        ["decide", "--set", "policy.mode=aggressive", "-n", "2", "--config=p.toml", "--debug"]
    )
    assert options.rest == ["decide", "-n", "2"]
    assert options.sets == {"policy.mode": "aggressive"}
    assert (options.config, options.debug) == ("p.toml", True)
    assert parse_options(["--set=naming.tables=physical"]).sets == {"naming.tables": "physical"}


def test_set_without_a_value_is_refused() -> None:
    with pytest.raises(SystemExit, match="osddl: --set needs a value"):
        parse_options(["decide", "--set"])


def test_set_after_the_task_reaches_the_task(tmp_path: Path) -> None:
    build_demo(tmp_path)
    result = run_osddl(
        ["--db-file", str(tmp_path / "doit.db"), "extract_model",  # doit's options: first
         "--set", f"output.dir={tmp_path / 'out'}", "--set", "naming.tables=physical"],
        OSDDL_SOURCE_URL=f"sqlite:///{tmp_path / 'qa.sqlite'}",
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    model = (tmp_path / "out/model.json").read_text(encoding="utf-8")
    assert '"emittedName": "OSUSR_SAL_CUSTOMER"' in model


def test_version_names_osddl_and_doit() -> None:
    from importlib.metadata import version

    from osddl import __version__

    result = run_osddl(["--version"])
    assert result.stdout == f"osddl {__version__} (doit {version('doit')})\n"


def test_help_lists_osddl_options_commands_and_every_task(tmp_path: Path) -> None:
    import tasks.graph as graph

    result = run_osddl(["--help"], cwd=tmp_path)  # a project folder: the packaged graph
    assert result.returncode == 0, result.stderr
    for expected in ("--config FILE", "--set section.key=VALUE", "--debug", "--version",
                     "osddl init [FOLDER]", "osddl explain [--module M]"):  # fmt: skip
        assert expected in result.stdout, expected
    after = result.stdout.split("The tasks:\n", 1)[1]
    listed = {line.split()[0] for line in after.splitlines() if line.strip()}
    tasks = {name.removeprefix("task_") for name in graph.__all__ if name.startswith("task_")}
    assert tasks - {"demo_db"} <= listed, tasks - listed
    assert "demo_db" not in listed  # no demo builder outside a checkout
    assert "Traceback" not in result.stderr


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

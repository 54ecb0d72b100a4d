"""`osddl init` writes a project an operator can run at once: every setting listed (commented at
its default), the demo database and the settings that point at it; then `osddl full_export` and
`osddl verify` pass there, with no dodo.py (the graph comes from the package)."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from osddl.config import KEYS, load_settings
from osddl.errors import InputError
from osddl.init import config_text, demo_settings, init_project, toml_value


def osddl(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    code = "import sys; from osddl.cli import main; sys.exit(main(sys.argv[1:]))"
    env = {k: v for k, v in os.environ.items() if not k.startswith("OSDDL_")}
    return subprocess.run(
        [sys.executable, "-c", code, *args], cwd=folder, capture_output=True, text=True, env=env
    )


def test_the_config_lists_every_setting_and_reads_back_as_the_defaults(tmp_path: Path) -> None:
    text = config_text({})
    for key in KEYS:
        assert f"# {key.name.split('.', 1)[1]} = {toml_value(key.default)}" in text, key.name
    file = tmp_path / "osddl.toml"
    file.write_text(text, encoding="utf-8")
    settings = load_settings(file, environ={})
    assert all(settings.source_of(key.name) == "default" for key in KEYS)


def test_set_values_are_active_and_read_back_exactly(tmp_path: Path) -> None:
    values = demo_settings("demo")
    file = tmp_path / "osddl.toml"
    file.write_text(config_text(values), encoding="utf-8")
    tomllib.loads(file.read_text(encoding="utf-8"))
    settings = load_settings(file, environ={})
    assert {name: settings[name] for name in values} == values
    assert {settings.source_of(name) for name in values} == {"config"}


def test_init_refuses_to_overwrite_a_project(tmp_path: Path) -> None:
    (tmp_path / "osddl.toml").write_text("# mine\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"osddl.toml already exists; edit it, or remove it"):
        init_project([str(tmp_path)])
    assert (tmp_path / "osddl.toml").read_text(encoding="utf-8") == "# mine\n"


def test_init_without_the_demo_writes_only_the_config(tmp_path: Path) -> None:
    result = osddl(tmp_path, "init", "--no-demo")
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["osddl.toml"]
    assert "next: set [source] url in osddl.toml" in result.stdout


def test_a_bad_init_line_is_one_message(tmp_path: Path) -> None:
    result = osddl(tmp_path, "init", "a", "b")
    assert result.returncode != 0
    assert result.stderr.strip() == (
        "osddl: init: 'a b': expected `osddl init [FOLDER] [--no-demo]`"
    )


@pytest.mark.slow
def test_init_then_full_export_verify_and_explain_in_a_bare_folder(tmp_path: Path) -> None:
    project = tmp_path / "project"
    result = osddl(tmp_path, "init", "project")
    assert result.returncode == 0, result.stderr
    assert "next: cd project && osddl full_export" in result.stdout
    assert not (project / "dodo.py").exists()
    run = osddl(project, "full_export")
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert (project / "out" / "report.html").is_file()
    check = osddl(project, "verify")
    assert check.returncode == 0, check.stdout[-3000:]
    explained = osddl(project, "explain", "--module", "Sales", "--rationale", "UNIQUE_DUPLICATES")
    assert explained.returncode == 0, explained.stderr
    assert "Sales::Customer unique index" in explained.stdout
    assert "UNIQUE_DUPLICATES: The profile found duplicate keys." in explained.stdout

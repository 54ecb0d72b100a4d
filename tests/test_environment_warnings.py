"""A typo in an OSDDL_* variable is warned about with the closest setting, like the same typo in
osddl.toml or --set; the variables that are not settings are not."""

from __future__ import annotations

from pathlib import Path

from osddl.config import CONTROL_VARIABLES, KEYS, unknown_variables
from tests.doit_runs import doit


def test_a_typo_names_the_closest_setting() -> None:
    assert unknown_variables({"OSDDL_POLICY_MOOD": "aggressive", "HOME": "/root"}) == [
        "OSDDL_POLICY_MOOD is not an osddl setting and is ignored; "
        "did you mean 'OSDDL_POLICY_MODE'?"
    ]


def test_far_from_any_setting_has_no_suggestion() -> None:
    assert unknown_variables({"OSDDL_ZZZ": "1"}) == [
        "OSDDL_ZZZ is not an osddl setting and is ignored"
    ]


def test_settings_and_control_variables_are_not_warned_about() -> None:
    environ = {key.env: "x" for key in KEYS} | {name: "1" for name in CONTROL_VARIABLES}
    assert unknown_variables({**environ, "OSDDL_TEST_EXAMPLES": "5", "PATH": "/bin"}) == []


def test_a_run_prints_the_warning_once_and_goes_on(tmp_path: Path) -> None:
    result = doit(tmp_path, "list", OSDDL_POLICY_MOOD="aggressive")
    assert result.returncode == 0, result.stderr
    warnings = [line for line in result.stderr.splitlines() if "OSDDL_POLICY_MOOD" in line]
    assert warnings == [
        "osddl: warning: OSDDL_POLICY_MOOD is not an osddl setting and is ignored; "
        "did you mean 'OSDDL_POLICY_MODE'?"
    ]
    assert "full_export" in result.stdout

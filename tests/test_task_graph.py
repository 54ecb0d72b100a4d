"""The make-like contract of the task graph (issue 9), tried as an operator tries it.

After any edit of the settings, `doit full_export` leaves out/ byte-identical to a cold run with
the final settings (or refuses them as a cold run does); it exits 0 only when every proof passes; a
no-op rerun runs no proof or data task. Settings reach each run as `OSDDL_*` variables, named from
`osddl.config.KEYS`. A cold run per distinct settings is made once per session and shared.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from fixtures.demo import build_demo
from osddl.config import KEYS_BY_NAME
from tests.doit_runs import (
    RAN,
    UP_TO_DATE,
    copy_project,
    doit,
    executed,
    miscount_rows,
    outcome,
    swap_tables,
    tail,
    tree,
    tree_diff,
)

Values = Mapping[str, str]  # setting name (`policy.mode`) → value as written in the environment
Frozen = tuple[tuple[str, str], ...]


# --- running full_export with settings, and cold runs shared by the session ---


def environment(values: Values) -> dict[str, str]:
    return {KEYS_BY_NAME[name].env: value for name, value in values.items()}


def describe(values: Values) -> str:
    return ", ".join(f"{k}={v}" for k, v in sorted(values.items())) or "defaults"


def full_export(project: Path, values: Values) -> subprocess.CompletedProcess[str]:
    return doit(project, "full_export", **environment(values))


@dataclass(frozen=True)
class Run:
    project: Path
    result: subprocess.CompletedProcess[str] = field(repr=False)
    out: dict[str, bytes] = field(repr=False)


class ColdRuns:
    """`full_export` in a fresh copy of the demo database, once per distinct settings."""

    def __init__(self, database: Path, folders: pytest.TempPathFactory) -> None:
        self.database = database
        self.folders = folders
        self.runs: dict[Frozen, Run] = {}

    def __repr__(self) -> str:  # short: pytest and hypothesis print it with every failure
        return f"ColdRuns({len(self.runs)} cached)"

    def __call__(self, values: Values) -> Run:
        key: Frozen = tuple(sorted(values.items()))
        if key not in self.runs:
            project = self.folders.mktemp("cold")
            for database in (*self.database.glob("*.sqlite"), *self.database.glob("*.csv")):
                (project / database.name).write_bytes(database.read_bytes())
            result = full_export(project, values)
            self.runs[key] = Run(project, result, tree(project / "out"))
        return self.runs[key]


@pytest.fixture(scope="session")
def cold_runs(tmp_path_factory: pytest.TempPathFactory) -> ColdRuns:
    database = tmp_path_factory.mktemp("demo-db")
    build_demo(database)
    return ColdRuns(database, tmp_path_factory)


def assert_same_as_cold(
    rerun: subprocess.CompletedProcess[str], project: Path, cold: Run, story: str
) -> None:
    """Same exit class as the cold run; when that succeeded, the same out/ byte for byte."""
    assert outcome(rerun) == outcome(cold.result), (
        f"{story}: the rerun ended '{outcome(rerun)}', a cold run '{outcome(cold.result)}'\n"
        f"--- rerun\n{tail(rerun)}\n--- cold run\n{tail(cold.result)}"
    )
    if outcome(cold.result) == "ok":
        diff = tree_diff(tree(project / "out"), cold.out)
        assert not diff, (
            f"{story}: out/ differs from a cold run's\n  "
            + "\n  ".join(diff)
            + f"\nthe rerun ran: {sorted(executed(rerun))}"
        )


# --- the repros of issue 9: each a sequence of settings, the first one run cold ---

EVERY: Values = {}
SALES = {"model.modules": "Sales", "data.allow_missing_parents": "true"}  # OrderLine → Product
SALES_USERS = {"model.modules": "Sales,Users", "data.allow_missing_parents": "true"}
CATALOG = {"model.modules": "Catalog"}
CATALOG_SALES = {"model.modules": "Catalog,Sales"}  # Sales' Ignore references need no parent
AGGRESSIVE = {"policy.mode": "aggressive"}
CAUTIOUS = {"policy.mode": "cautious"}
SINGLE_FILE = {"data.insert_mode": "single-file"}

GROW = {
    "grow-Sales-to-Sales+Users": (SALES, SALES_USERS),
    "grow-Catalog-to-Catalog+Sales": (CATALOG, CATALOG_SALES),
    "grow-Catalog-to-every-module": (CATALOG, EVERY),
}
SHRINK = {
    "shrink-every-module-to-Sales": (EVERY, SALES),
    "shrink-every-module-to-Catalog": (EVERY, CATALOG),
    "shrink-Sales+Users-to-Sales": (SALES_USERS, SALES),
}
CHANGE = {
    "mode-evidence-gated-to-aggressive": (EVERY, AGGRESSIVE),
    "mode-evidence-gated-to-cautious": (EVERY, CAUTIOUS),
    "mode-aggressive-to-cautious": (AGGRESSIVE, CAUTIOUS),
    "insert-mode-per-table-to-single-file-and-back": (EVERY, SINGLE_FILE, EVERY),
    "refused-Sales-without-allow-missing-parents": (SALES, {"model.modules": "Sales"}),
}
CASES = GROW | SHRINK | CHANGE


@pytest.mark.parametrize("steps", CASES.values(), ids=CASES.keys())
def test_rerun_after_an_edit_equals_a_cold_run(
    steps: Sequence[Values], cold_runs: ColdRuns, tmp_path: Path
) -> None:
    project = copy_project(cold_runs(steps[0]).project, tmp_path / "rerun")
    story = describe(steps[0])
    for values in steps[1:]:
        story += f" then {describe(values)}"
        rerun = full_export(project, values)
        assert_same_as_cold(rerun, project, cold_runs(values), story)


@pytest.mark.parametrize("steps", SHRINK.values(), ids=SHRINK.keys())
def test_full_export_succeeds_only_when_verify_passes(
    steps: Sequence[Values], cold_runs: ColdRuns, tmp_path: Path
) -> None:
    project = copy_project(cold_runs(steps[0]).project, tmp_path / "rerun")
    for values in steps[1:]:
        run = full_export(project, values)
        if run.returncode == 0:
            check = doit(project, "verify", **environment(values))
            assert check.returncode == 0, (
                f"full_export exited 0 after {describe(values)}, yet `doit verify` fails\n"
                f"--- full_export\n{tail(run)}\n--- verify\n{tail(check)}"
            )


def reports_failure(result: subprocess.CompletedProcess[str], names: Sequence[str]) -> bool:
    """A line (not doit's own task line) that names the proof and says it failed."""
    return any(
        re.search(r"\bfail", line, re.IGNORECASE)
        and any(name.casefold() in line.casefold() for name in names)
        for line in (result.stdout + result.stderr).splitlines()
        if not line.startswith((RAN, UP_TO_DATE))
    )


TAMPERS: dict[str, tuple[Callable[[Path], str], tuple[str, ...]]] = {
    "child-before-parent-in-load.sql": (swap_tables, ("verify:order",)),
    "row-count-header-off-by-one": (miscount_rows, ("verify:export", "export validation")),
}


@pytest.mark.parametrize(("tamper", "proof"), TAMPERS.values(), ids=TAMPERS.keys())
def test_full_export_fails_naming_the_failing_proof(
    tamper: Callable[[Path], str], proof: tuple[str, ...], cold_runs: ColdRuns, tmp_path: Path
) -> None:
    """A changed target is left as it is by a make-like rerun; the proof that catches it fails
    the run."""
    project = copy_project(cold_runs(EVERY).project, tmp_path / "w")
    tamper(project / "out")
    result = full_export(project, EVERY)
    assert result.returncode != 0, f"full_export passed a tampered export\n{tail(result)}"
    assert reports_failure(result, proof), f"no line says {proof[0]} failed\n{tail(result)}"


NOOP = {"defaults": EVERY, "single-file": SINGLE_FILE, "Sales-alone": SALES}
NEVER_ON_NOOP = ("verify:", "snapshot:", "dynamic_data:")


@pytest.mark.parametrize("values", NOOP.values(), ids=NOOP.keys())
def test_noop_rerun_runs_no_proof_or_data_task(
    values: Values, cold_runs: ColdRuns, tmp_path: Path
) -> None:
    cold = cold_runs(values)
    assert cold.result.returncode == 0, tail(cold.result)
    project = copy_project(cold.project, tmp_path / "w")
    rerun = full_export(project, values)
    assert rerun.returncode == 0, tail(rerun)
    ran = sorted(t for t in executed(rerun) if t.startswith(NEVER_ON_NOOP))
    assert not ran, f"a no-op rerun ran {ran}"
    assert not tree_diff(tree(project / "out"), cold.out)


# --- the property: any sequence of edits ends where a cold run with the final settings does ---


def edit_values(name: str, *values: str) -> tuple[str | None, ...]:
    """None unsets the variable (back to the default); choices and booleans come from KEYS."""
    key = KEYS_BY_NAME[name]
    table = {"choice": key.choices, "bool": ("true", "false")}
    return (None, *(values or table[key.kind]))


# Keys that change what the run writes, with values the demo accepts or refuses the same way cold.
EDITS: dict[str, tuple[str | None, ...]] = {
    "model.modules": edit_values(
        "model.modules", "Sales", "Catalog", "Catalog,Sales", "Sales,Users", "HR,Billing,Users"
    ),
    "data.allow_missing_parents": edit_values("data.allow_missing_parents"),
    "policy.mode": edit_values("policy.mode"),
    "policy.null_budget": edit_values("policy.null_budget", "0.05"),
    "data.insert_mode": edit_values("data.insert_mode"),
    "data.batch_rows": edit_values("data.batch_rows", "1", "7"),
    "naming.tables": edit_values("naming.tables"),
    "naming.columns": edit_values("naming.columns"),
    "ssdt.seed_mode": edit_values("ssdt.seed_mode"),
    "ssdt.include_platform_auto_indexes": edit_values("ssdt.include_platform_auto_indexes"),
    "foreign_keys.enable_creation": edit_values("foreign_keys.enable_creation"),
    "foreign_keys.enforce_ignore_rule": edit_values("foreign_keys.enforce_ignore_rule"),
}
EDIT = st.sampled_from(sorted(EDITS)).flatmap(
    lambda name: st.tuples(st.just(name), st.sampled_from(EDITS[name]))
)
EXAMPLES = int(os.environ.get("OSDDL_TEST_EXAMPLES", "5"))


@pytest.mark.slow
@settings(max_examples=EXAMPLES, deadline=None)
@given(edits=st.lists(EDIT, min_size=1, max_size=3))
@example(edits=[("foreign_keys.enable_creation", "true")])  # a default, but set: decisions.json
def test_any_sequence_of_edits_ends_as_a_cold_run(
    edits: list[tuple[str, str | None]],
    cold_runs: ColdRuns,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    project = copy_project(cold_runs(EVERY).project, tmp_path_factory.mktemp("edits"))
    values: dict[str, str] = {}
    story = "defaults"
    for name, value in edits:
        if value is None:
            values.pop(name, None)
        else:
            values[name] = value
        story += f" then {name}={value if value is not None else '(unset)'}"
        rerun = full_export(project, values)
    assert_same_as_cold(rerun, project, cold_runs(values), story)

"""The decide stage on the demo: nested modes, provenance, outputs that parse, doit --mode."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import sqlglot
from sqlglot import exp

from fixtures.demo import build_demo
from osddl.options import decide_options, extract_options, profile_stage_options
from osddl.policy.contract import DecidedColumn, DecisionsDocument, Setting
from osddl.policy.store import read_decisions
from osddl.stages.decide import decide_to_files
from osddl.stages.extract_model import extract_to_file
from osddl.stages.profile import profile_to_files
from tests.project_settings import env_settings

ROOT = Path(__file__).resolve().parents[1]
CANDIDATES = "Sales::Customer.Email,Catalog::Product.Sku"


@pytest.fixture(scope="module")
def demo_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("decide")
    build_demo(folder)
    settings = env_settings(env(folder))
    extract_to_file(extract_options(settings), folder / "out/model.json")
    profile_to_files(
        profile_stage_options(settings),
        folder / "out/model.json",
        folder / "out/profile.parquet",
        folder / "out/profile-summary.json",
    )
    return folder


def env(folder: Path, **extra: str) -> dict[str, str]:
    return {
        "OSDDL_SOURCE_URL": f"sqlite:///{folder / 'qa.sqlite'}",
        "OSDDL_OUTPUT_DIR": str(folder / "out"),
        "OSDDL_CACHE_DIR": str(folder / "cache"),
        "OSDDL_PROFILE_UNIQUE_CANDIDATES": CANDIDATES,
        **extra,
    }


def run_decide(
    folder: Path, target: Path, mode: str | None = None, **extra: str
) -> DecisionsDocument:
    settings = env_settings(env(folder, **extra))
    decide_to_files(
        decide_options(settings, mode),
        folder / "out/model.json",
        folder / "out/profile.parquet",
        target,
    )
    return read_decisions(target / "decisions.json")


def constraint_sets(document: DecisionsDocument) -> dict[str, set[str]]:
    return {
        "notNull": {c.physical for c in document.columns if c.make_not_null},
        "unique": {u.physical for u in document.unique_indexes if u.enforce_unique},
        "fk": {r.physical for r in document.references if r.create_fk},
    }


def test_modes_give_nested_constraint_sets(demo_out: Path, tmp_path: Path) -> None:
    found = {}
    for spelling, mode in (
        ("CAUTIOUS", "cautious"),
        ("EvidenceGated", "evidence-gated"),
        ("aggressive", "aggressive"),
    ):
        document = run_decide(demo_out, tmp_path / mode, OSDDL_POLICY_MODE=spelling)
        assert document.mode == mode
        assert document.options["policy.mode"] == Setting(mode, "env")
        found[mode] = constraint_sets(document)
    for kind in ("notNull", "unique", "fk"):
        assert found["cautious"][kind] <= found["evidence-gated"][kind] <= found["aggressive"][kind]
    assert found["cautious"]["notNull"] < found["evidence-gated"]["notNull"]
    assert found["evidence-gated"]["unique"] < found["aggressive"]["unique"]  # Customer.Email


def test_demo_worked_cases(demo_out: Path, tmp_path: Path) -> None:
    gated = run_decide(demo_out, tmp_path / "g")
    aggressive = run_decide(demo_out, tmp_path / "a", mode="aggressive")

    def column(document: DecisionsDocument, physical: str) -> DecidedColumn:
        return next(c for c in document.columns if c.physical == physical)

    hire = "dbo.OSUSR_HRM_EMPLOYEE.HIREDATE"  # mandatory, nullable, has NULLs
    assert not column(gated, hire).make_not_null
    assert "DATA_HAS_NULLS" in column(gated, hire).rationales
    assert column(aggressive, hire).requires_remediation
    first = "dbo.OSUSR_HRM_EMPLOYEE.FIRSTNAME"  # mandatory, nullable, no NULLs
    assert column(gated, first).make_not_null and not column(gated, first).requires_remediation
    ignore = next(
        r for r in gated.references if r.physical == "dbo.OSUSR_SAL_CUSTOMER.ACCOUNTMANAGERID"
    )
    assert not ignore.create_fk and "DELETE_RULE_IGNORE" in ignore.rationales
    email = next(u for u in aggressive.unique_indexes if "Customer.Email" in u.index)
    assert email.enforce_unique and email.requires_remediation
    report = json.loads((tmp_path / "a/decision-report.json").read_text(encoding="utf-8"))
    assert report["topRisks"] and report["topRisks"][0]["rows"] >= report["topRisks"][-1]["rows"]


def test_outputs_are_deterministic_and_parse(demo_out: Path, tmp_path: Path) -> None:
    run_decide(demo_out, tmp_path / "one", mode="aggressive")
    run_decide(demo_out, tmp_path / "two", mode="aggressive")
    files = sorted(p.relative_to(tmp_path / "one") for p in (tmp_path / "one").rglob("*.*"))
    assert len(files) == 7
    for name in files:
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes()
        if name.suffix == ".sql":
            for statement in sqlglot.parse((tmp_path / "one" / name).read_text(), read="tsql"):
                assert statement is None or not isinstance(statement, exp.Command)


def doit(folder: Path, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "doit", "-f", str(ROOT / "dodo.py"), "--dir", str(folder), *args],
        cwd=folder,
        capture_output=True,
        text=True,
        env={**os.environ, **env(folder, **extra)},
    )


def test_doit_mode_parameter_and_bad_input(demo_out: Path, tmp_path: Path) -> None:
    for name in ("qa.sqlite", "qa_billing.sqlite"):
        shutil.copy(demo_out / name, tmp_path / name)
    assert doit(tmp_path, "decide").returncode == 0
    assert "-- decide" in doit(tmp_path, "decide").stdout
    aggressive = doit(tmp_path, "decide", "--mode", "aggressive")
    assert ".  decide" in aggressive.stdout and "policy.mode = 'aggressive' (from cli)" in (
        aggressive.stdout
    )
    document = read_decisions(tmp_path / "out/decisions.json")
    assert document.options["policy.mode"] == Setting("aggressive", "cli")
    assert ".  decide" in doit(tmp_path, "decide").stdout  # back to the configured mode
    bad_mode = doit(tmp_path, "decide", "--mode", "reckless")
    assert bad_mode.returncode != 0 and "Traceback" not in bad_mode.stdout + bad_mode.stderr
    assert (
        "'reckless' is not valid for policy.mode; expected one of cautious, evidence-gated, "
        "aggressive"
    ) in bad_mode.stdout + bad_mode.stderr
    bad_budget = doit(tmp_path, "decide", OSDDL_POLICY_NULL_BUDGET="1.5")
    assert bad_budget.returncode == 2
    assert bad_budget.stderr.strip() == (
        "osddl: OSDDL_POLICY_NULL_BUDGET: '1.5' is not valid for policy.null_budget; expected a "
        "number from 0.0 to 1.0"
    )


def test_every_decisions_field_is_documented(demo_out: Path, tmp_path: Path) -> None:
    run_decide(demo_out, tmp_path / "d", mode="aggressive")
    document = json.loads((tmp_path / "d/decisions.json").read_text(encoding="utf-8"))
    report = json.loads((tmp_path / "d/decision-report.json").read_text(encoding="utf-8"))
    docs = (ROOT / "docs/policy.md").read_text(encoding="utf-8")
    keys = set(document) | set(report) | set(document["counts"])
    for section in ("columns", "uniqueIndexes", "references"):
        keys |= set(document[section][0])
    keys |= set(report["modules"][0])
    missing = sorted(k for k in keys if f"`{k}`" not in docs)
    assert not missing, f"undocumented in docs/policy.md: {missing}"

"""Remediation in export (issue 11 item 6): Aggressive on dirty data, with and without
`policy.apply_remediation_in_export`.

The demo in Aggressive mode makes `HR::Employee.HireDate` NOT NULL over its NULLs; the tests add an
orphan under a NOT NULL FK (`Sales::OrderLine.OrderId`) and a self-reference orphan
(`HR::Employee.ManagerId`, nullable). Without the option the gate fails listing all three; with it
(and a fallback parent for the NOT NULL reference) the INSERTs carry the back-fill and the fixes,
the ledger lists exactly the changed values, and a tampered ledger or INSERT fails the proof.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from fixtures.demo import build_demo
from osddl.export.remediation import (
    LEDGER_JSON,
    LedgerEntry,
    RemediationLedger,
    default_constant,
    json_value,
)
from osddl.model.sqltype import parse_sql_type
from osddl.model.store import read_model
from osddl.policy.store import read_decisions
from osddl.proofs.loadable import verify_loadable
from osddl.selection import SelectionOptions, select
from osddl.typed_json import validate
from tests.doit_runs import ROOT, copy_project, doit

pytestmark = pytest.mark.slow

AGGRESSIVE = {"OSDDL_POLICY_MODE": "aggressive"}
APPLIED = {
    **AGGRESSIVE,
    "OSDDL_POLICY_APPLY_REMEDIATION_IN_EXPORT": "1",
    "OSDDL_POLICY_FALLBACK_PARENTS": "Sales::OrderLine.OrderId=1",
}
EMPLOYEE, ORDER_LINE = "dbo.OSUSR_HRM_EMPLOYEE", "dbo.OSUSR_SAL_ORDERLINE"
DANGLING = 10**9


def _set(out: Path, table: str, column: str, row: int, value: Any) -> Any:
    """Edit one snapshot cell (the source stays clean: doit keeps the snapshot); its key."""
    snapshot = out / f"data/{table}.parquet"
    data = pq.read_table(snapshot)
    values = data.column(column).to_pylist()
    values[row] = value
    index = data.column_names.index(column)
    data = data.set_column(index, column, pa.array(values, type=data.schema.field(column).type))
    pq.write_table(data, snapshot)
    return data.column("ID")[row].as_py()


@pytest.fixture(scope="module")
def dirty(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """A demo project exported once, then given an orphan and a self-reference orphan."""
    work = tmp_path_factory.mktemp("dirty")
    build_demo(work)
    first = doit(work, "full_export")
    assert "verify:loadable: pass" in first.stdout, first.stdout[-3000:]
    keys = {
        "orphan": _set(work / "out", ORDER_LINE, "ORDERID", 0, DANGLING),
        "self": _set(work / "out", EMPLOYEE, "MANAGERID", 5, DANGLING),
    }
    return work, keys


def _proof(work: Path) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(
        (work / "out/proofs/loadable-verification.json").read_text(encoding="utf-8")
    )
    schema = json.loads((ROOT / "docs/schemas/loadable-verification.schema.json").read_text())
    assert validate(schema, document) == []
    return document


def test_without_the_option_the_gate_lists_nulls_and_orphans(
    dirty: tuple[Path, dict[str, Any]], tmp_path: Path
) -> None:
    work = copy_project(dirty[0], tmp_path / "w")
    result = doit(work, "full_export", **AGGRESSIVE)
    assert result.returncode != 0
    assert "verify:loadable: FAIL" in result.stdout
    proof = _proof(work)
    assert proof["remediation"] == {"applied": False, "ledgerEntries": 0}
    found = {(f["kind"], f["constraint"]): f["samples"] for f in proof["failures"]}
    assert set(found) == {
        ("null", f"{EMPLOYEE}.HIREDATE"),
        ("orphan", f"{EMPLOYEE}.MANAGERID"),
        ("orphan", f"{ORDER_LINE}.ORDERID"),
    }
    assert found[("orphan", f"{EMPLOYEE}.MANAGERID")] == [dirty[1]["self"]]
    assert found[("orphan", f"{ORDER_LINE}.ORDERID")] == [dirty[1]["orphan"]]
    ledger = LEDGER_JSON.read(work / "out/proofs/remediation-ledger.json")
    assert ledger == RemediationLedger(applied=False, entries=[])


@pytest.fixture(scope="module")
def remediated(
    dirty: tuple[Path, dict[str, Any]], tmp_path_factory: pytest.TempPathFactory
) -> Path:
    work = copy_project(dirty[0], tmp_path_factory.mktemp("remediated") / "w")
    result = doit(work, "full_export", **APPLIED)
    assert "verify:loadable: pass" in result.stdout, result.stdout[-3000:]
    return work


def test_with_the_option_the_inserts_carry_exactly_the_ledger(
    remediated: Path, dirty: tuple[Path, dict[str, Any]]
) -> None:
    proof = _proof(remediated)
    assert proof["verdict"] == "pass" and proof["remediation"]["applied"]
    ledger = LEDGER_JSON.read(remediated / "out/proofs/remediation-ledger.json")
    changed = {(e.table, tuple(e.key), e.column): (e.old, e.new, e.rule) for e in ledger.entries}
    employee = pq.read_table(remediated / f"out/data/{EMPLOYEE}.parquet").to_pydict()
    nulls = [k for k, d in zip(employee["ID"], employee["HIREDATE"], strict=True) if d is None]
    assert nulls and proof["remediation"]["ledgerEntries"] == len(nulls) + 2
    assert changed == {
        **{
            (EMPLOYEE, (k,), "HIREDATE"): (None, "1900-01-01", "null-backfill-sentinel")
            for k in nulls
        },
        (EMPLOYEE, (dirty[1]["self"],), "MANAGERID"): (DANGLING, None, "orphan-set-null"),
        (ORDER_LINE, (dirty[1]["orphan"],), "ORDERID"): (DANGLING, 1, "orphan-fallback-parent"),
    }
    script = (remediated / "out/DynamicData/HR/dbo.Employee.dynamic.sql").read_text("utf-8")
    assert "'1900-01-01'" in script and str(DANGLING) not in script


def _verify(work: Path, ledger: RemediationLedger) -> dict[str, Any]:
    out = work / "out"
    model = read_model(out / "model.json")
    decisions = read_decisions(out / "decisions.json")
    return verify_loadable(model, decisions, select(model, SelectionOptions()), out, ledger)


def _ledger_failures(proof: dict[str, Any]) -> set[str]:
    return {f["detail"].partition(": ")[2] for f in proof["failures"] if f["kind"] == "ledger"}


def test_a_ledger_with_an_entry_removed_fails(remediated: Path) -> None:
    ledger = LEDGER_JSON.read(remediated / "out/proofs/remediation-ledger.json")
    assert _verify(remediated, ledger)["verdict"] == "pass"
    dropped = next(e for e in ledger.entries if e.rule == "orphan-fallback-parent")
    proof = _verify(
        remediated, RemediationLedger(True, [e for e in ledger.entries if e != dropped])
    )
    assert proof["verdict"] == "fail"
    assert _ledger_failures(proof) == {
        "the INSERT's value differs from the snapshot and the ledger lists no change"
    }
    assert ("orphan", f"{ORDER_LINE}.ORDERID") in {
        (f["kind"], f["constraint"]) for f in proof["failures"]
    }


@pytest.mark.parametrize(
    ("key", "problems"),
    [
        ([1], {"the ledger's old value is not the snapshot's",
               "the INSERT's value is not the ledger's new value"}),
        ([DANGLING], {"the ledger names no snapshot row",
                      "the INSERTs do not carry the ledger's change"}),
    ],
    ids=["another-value", "no-such-row"],
)  # fmt: skip
def test_a_ledger_entry_the_inserts_do_not_carry_fails(
    remediated: Path, key: list[int], problems: set[str]
) -> None:
    ledger = LEDGER_JSON.read(remediated / "out/proofs/remediation-ledger.json")
    extra = LedgerEntry(
        EMPLOYEE, key, "HIREDATE", "2000-01-01", "1999-01-01", "null-backfill-default"
    )
    proof = _verify(remediated, RemediationLedger(True, [*ledger.entries, extra]))
    assert proof["verdict"] == "fail"
    assert _ledger_failures(proof) == problems


def test_an_edited_insert_value_fails(remediated: Path, tmp_path: Path) -> None:
    work = copy_project(remediated, tmp_path / "w")
    script = work / "out/DynamicData/HR/dbo.Employee.dynamic.sql"
    text = script.read_text(encoding="utf-8")
    assert text.count("'1900-01-01'") >= 1
    script.write_text(text.replace("'1900-01-01'", "'1901-01-01'", 1), encoding="utf-8")
    ledger = LEDGER_JSON.read(work / "out/proofs/remediation-ledger.json")
    proof = _verify(work, ledger)
    assert proof["verdict"] == "fail"
    assert _ledger_failures(proof) == {"the INSERT's value is not the ledger's new value"}


def test_a_not_null_orphan_without_a_fallback_parent_still_fails(
    dirty: tuple[Path, dict[str, Any]], tmp_path: Path
) -> None:
    work = copy_project(dirty[0], tmp_path / "w")
    result = doit(work, "full_export", **AGGRESSIVE, OSDDL_POLICY_APPLY_REMEDIATION_IN_EXPORT="1")
    assert result.returncode != 0
    proof = _proof(work)
    assert [(f["kind"], f["constraint"], f["samples"]) for f in proof["failures"]] == [
        ("orphan", f"{ORDER_LINE}.ORDERID", [dirty[1]["orphan"]])
    ]


def test_a_fallback_parent_that_is_no_row_is_refused(
    dirty: tuple[Path, dict[str, Any]], tmp_path: Path
) -> None:
    work = copy_project(dirty[0], tmp_path / "w")
    wrong = {**APPLIED, "OSDDL_POLICY_FALLBACK_PARENTS": f"Sales::OrderLine.OrderId={DANGLING}"}
    result = doit(work, "remediation", **wrong)
    assert result.returncode != 0
    assert "policy.fallback_parents['Sales::OrderLine.OrderId']" in result.stdout + result.stderr
    assert "is no row of dbo.OSUSR_SAL_ORDER" in result.stdout + result.stderr


@pytest.mark.parametrize(
    ("definition", "constant"),
    [("((1))", "1"), ("(N'a''b')", "a'b"), ("('x')", "x"), ("(getdate())", None), (None, None),
     ("((0.5))", "0.5"), ("(1)+(2)", None)],
)  # fmt: skip
def test_only_constant_defaults_back_fill(definition: str | None, constant: str | None) -> None:
    assert default_constant(definition) == constant


@pytest.mark.parametrize(
    ("value", "sql_type", "expected"),
    [("1.5", "decimal(5,2)", "1.50"), (b"\x00\xff", "varbinary(10)", "0x00FF"),
     ("2020-01-02", "date", "2020-01-02"), (True, "bit", 1), (None, "int", None)],
)  # fmt: skip
def test_ledger_values_are_json_forms_of_normalise(
    value: Any, sql_type: str, expected: Any
) -> None:
    assert (json_value(value, parse_sql_type(sql_type)) if value is not None else None) == expected

"""The verifier core passes on correct output and fails on every kind of broken artifact."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from osddl.uat_users.analysis import Analysis, analyse
from osddl.uat_users.ids import IdKind, canonical
from osddl.uat_users.remap_sql import remap_script
from osddl.uat_users.verify import ValueRow, verify
from tests.uat_users_data import ident, labels, model, tables, write_scenario

KINDS: list[IdKind] = ["int", "guid", "text"]


def analysed(folder: Path, kind: IdKind = "int") -> Analysis:
    written = write_scenario(folder, kind)
    analysis = analyse(model(kind), written.options, written.snapshots, base=folder,
                       labels=labels(written))  # fmt: skip
    assert analysis.passed
    return analysis


def value_rows(analysis: Analysis, kind: IdKind) -> list[ValueRow]:
    """What the caller feeds: snapshot value and the value the INSERTs would hold."""
    assert analysis.tmap is not None
    rows: list[ValueRow] = []
    for table_id, table in tables(kind).items():
        for column in analysis.catalog.by_table().get(table_id, []):
            for original in table.column(column.column).to_pylist():
                value = None if original is None else canonical(original, kind)
                rows.append((table_id, column.column, original, analysis.tmap.apply(value)))
    return rows


def result(analysis: Analysis, rows: list[ValueRow], script: str | None = None) -> dict[str, Any]:
    assert analysis.tmap is not None and analysis.scan is not None
    assert analysis.inputs.uat is not None
    text = script if script is not None else remap_script(analysis.tmap, analysis.catalog.columns)
    return verify(rows, text, analysis.catalog, analysis.tmap, analysis.inputs.uat.users,
                  analysis.scan.columns)  # fmt: skip


def failed(document: dict[str, Any]) -> set[str]:
    return {r["rule"] for r in document["rules"] if r["status"] == "fail"}


@pytest.mark.parametrize("kind", KINDS)
def test_correct_output_passes_every_rule(tmp_path: Path, kind: IdKind) -> None:
    analysis = analysed(tmp_path, kind)
    document = result(analysis, value_rows(analysis, kind))
    assert document["status"] == "pass", document
    statuses = {r["rule"]: r["status"] for r in document["rules"]}
    # `inserts-read-back` belongs to the caller's reader (osddl.proofs.uat_users): no reader here.
    assert statuses.pop("inserts-read-back") == "not-checked"
    assert set(statuses.values()) == {"pass"}


def _plant_orphan(rows: list[ValueRow]) -> list[ValueRow]:
    k = next(i for i, r in enumerate(rows) if r[2] == 7)
    return [*rows[:k], (*rows[k][:3], 7), *rows[k + 1 :]]


def _foreign_target(rows: list[ValueRow]) -> list[ValueRow]:
    k = next(i for i, r in enumerate(rows) if r[3] == 5900)
    return [*rows[:k], (*rows[k][:3], 4242), *rows[k + 1 :]]


def _null_becomes_value(rows: list[ValueRow]) -> list[ValueRow]:
    k = next(i for i, r in enumerate(rows) if r[2] is None)
    return [*rows[:k], (*rows[k][:3], 5900), *rows[k + 1 :]]


def _value_becomes_null(rows: list[ValueRow]) -> list[ValueRow]:
    k = next(i for i, r in enumerate(rows) if r[2] == 1)
    return [*rows[:k], (*rows[k][:3], None), *rows[k + 1 :]]


def _drop_row(rows: list[ValueRow]) -> list[ValueRow]:
    k = next(i for i, r in enumerate(rows) if r[2] == 2)
    return rows[:k] + rows[k + 1 :]


def _uncatalogued(rows: list[ValueRow]) -> list[ValueRow]:
    return [*rows, ("dbo.OSUSR_HR_EMPLOYEE", "APPROVEDBY", 6, 5900)]


VALUE_BREAKS: dict[str, tuple[Callable[[list[ValueRow]], list[ValueRow]], set[str]]] = {
    "orphan id planted": (
        _plant_orphan,
        {"no-orphan-left", "mapped-values", "values-are-uat-ids", "insert-update-cross-check"},
    ),
    "target replaced by a non-UAT id": (_foreign_target, {"values-are-uat-ids", "mapped-values"}),
    "NULL becomes a value": (
        _null_becomes_value,
        {"nulls-preserved", "mapped-values", "insert-update-cross-check"},
    ),
    "value becomes NULL": (
        _value_becomes_null,
        {"nulls-preserved", "mapped-values", "insert-update-cross-check"},
    ),
    "row dropped": (_drop_row, {"row-counts", "mapped-values", "insert-update-cross-check"}),
    "uncatalogued column": (_uncatalogued, {"catalogued-columns-only"}),
}


@pytest.mark.parametrize("case", sorted(VALUE_BREAKS))
def test_broken_values_fail_the_right_rules(tmp_path: Path, case: str) -> None:
    analysis = analysed(tmp_path)
    breaker, rules = VALUE_BREAKS[case]
    document = result(analysis, breaker(value_rows(analysis, "int")))
    assert document["status"] == "fail"
    assert failed(document) == rules


SCRIPT_BREAKS: dict[str, tuple[Callable[[str], str], set[str]]] = {
    "id list gains a non-orphan": (
        lambda s: s.replace("(2, 5002),", "(2, 5002),\n    (1, 5900),"),
        {"script-sources-are-orphans", "insert-update-cross-check"},
    ),
    "id list loses an orphan": (
        lambda s: s.replace("    (3, 5003),\n", ""),
        {"script-sources-are-orphans", "insert-update-cross-check"},
    ),
    "target replaced": (
        lambda s: s.replace("(2, 5002)", "(2, 4242)"),
        {"script-targets-in-uat"},
    ),
    "NULL guard removed": (
        lambda s: s.replace("WHERE t.[UpdatedBy] IS NOT NULL", "WHERE 1 = 1"),
        {"script-null-guards"},
    ),
    "a column not updated": (
        lambda s: s.replace("t.[AssignedTo] = m.[Source]", "t.[AssignedTo] = m.[Target]"),
        {"script-columns"},
    ),
    "not T-SQL": (lambda s: s + "\nUPDATE SET SET;\n", {"script-columns"}),
}


@pytest.mark.parametrize("case", sorted(SCRIPT_BREAKS))
def test_broken_update_script_fails_the_right_rules(tmp_path: Path, case: str) -> None:
    analysis = analysed(tmp_path)
    assert analysis.tmap is not None
    breaker, rules = SCRIPT_BREAKS[case]
    script = breaker(remap_script(analysis.tmap, analysis.catalog.columns))
    document = result(analysis, value_rows(analysis, "int"), script)
    assert failed(document) >= rules and document["status"] == "fail"
    assert failed(document) - rules <= {"insert-update-cross-check", "script-columns"}


def test_the_logged_script_form_verifies_too(tmp_path: Path) -> None:
    analysis = analysed(tmp_path, "text")
    assert analysis.tmap is not None
    from dataclasses import replace

    from osddl.uat_users.transform import MapEntry

    chained = replace(
        analysis.tmap,
        entries=(
            *analysis.tmap.entries,
            MapEntry(ident(5002, "text"), ident(5003, "text"), "manual", "manual", "collision"),
        ),
    )
    script = remap_script(chained, analysis.catalog.columns)
    assert "osddl_uat_users_remap_log" in script
    assert analysis.scan is not None and analysis.inputs.uat is not None
    document = verify([], script, analysis.catalog, chained, analysis.inputs.uat.users, [])
    assert "script-null-guards" not in failed(document)
    assert "script-columns" not in failed(document)

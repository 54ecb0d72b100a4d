"""Orphan discovery from the snapshots: distinct ids per column, streamed; classification by
identity, not by id alone."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from osddl.uat_users import discovery
from osddl.uat_users.catalog import build_catalog
from osddl.uat_users.classify import classify, provenance, same_identity
from osddl.uat_users.discovery import scan_snapshots
from osddl.uat_users.ids import IdKind
from osddl.uat_users.inventory import User
from tests.uat_users_data import OPTIONS, UNKNOWN, ident, inventories, model, write_scenario

KINDS: list[IdKind] = ["int", "guid", "text"]


@pytest.mark.parametrize("kind", KINDS)
def test_distinct_ids_per_column_with_rows_and_nulls(tmp_path: Path, kind: IdKind) -> None:
    written = write_scenario(tmp_path, kind)
    catalog = build_catalog(model(kind), OPTIONS)
    scan = scan_snapshots(catalog, written.snapshots, kind, batch_rows=2)
    assert scan.findings == ()
    by_label = {c.column.label: c for c in scan.columns}
    assigned = by_label["dbo.OSUSR_SAL_ORDER.ASSIGNEDTO"]
    assert (assigned.rows, assigned.nulls) == (12, 3)
    expected = {ident(n, kind): 1 for n in (4, 5, 6, 7, 8, 9, UNKNOWN)}
    expected[ident(2, kind)] = 1
    expected[ident(1, kind)] = 1
    assert dict(assigned.counts) == expected
    created = by_label["dbo.OSUSR_SAL_ORDER.CREATEDBY"]
    assert dict(created.counts)[ident(1, kind)] == 2 and created.nulls == 1
    assert [s.table for s in scan.snapshots] == ["dbo.OSUSR_HR_EMPLOYEE", "dbo.OSUSR_SAL_ORDER"]


def test_reads_only_the_catalogued_columns_in_batches_and_merges_partial_counts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    written = write_scenario(tmp_path)
    asked: list[Any] = []
    original = pq.ParquetFile.iter_batches

    def spy(self: pq.ParquetFile, *args: Any, **kwargs: Any) -> Any:
        asked.append((kwargs["columns"], kwargs["batch_size"]))
        return original(self, *args, **kwargs)

    monkeypatch.setattr(pq.ParquetFile, "iter_batches", spy)
    monkeypatch.setattr(discovery, "MERGE_EVERY", 2)
    monkeypatch.setattr(discovery, "FLUSH_BYTES", 1)
    catalog = build_catalog(model("int"), OPTIONS)
    scan = scan_snapshots(catalog, written.snapshots, "int", batch_rows=1)
    assert asked == [(["CREATEDBY"], 1), (["ASSIGNEDTO", "CREATEDBY", "UPDATEDBY"], 1)]
    updated = next(c for c in scan.columns if c.column.column == "UPDATEDBY")
    assert dict(updated.counts) == {1: 2, 2: 2, 3: 1, 5: 1, 6: 1, 7: 1, 8: 1, 9: 1}


def test_guids_in_any_case_are_one_id(tmp_path: Path) -> None:
    written = write_scenario(tmp_path, "guid")
    table = pa.table({"ID": [1, 2], "CREATEDBY": [ident(2, "guid"), str(ident(2, "guid")).lower()]})
    pq.write_table(table, written.snapshots["dbo.OSUSR_HR_EMPLOYEE"])
    catalog = build_catalog(model("guid"), OPTIONS)
    scan = scan_snapshots(catalog, written.snapshots, "guid")
    employee = next(c for c in scan.columns if c.column.table == "OSUSR_HR_EMPLOYEE")
    assert employee.counts == ((ident(2, "guid"), 2),)


def test_missing_snapshots_columns_and_wrong_types_are_findings(tmp_path: Path) -> None:
    written = write_scenario(tmp_path)
    pq.write_table(pa.table({"ID": [1]}), written.snapshots["dbo.OSUSR_HR_EMPLOYEE"])
    snapshots = {"dbo.OSUSR_HR_EMPLOYEE": written.snapshots["dbo.OSUSR_HR_EMPLOYEE"]}
    catalog = build_catalog(model("int"), OPTIONS)
    scan = scan_snapshots(catalog, snapshots, "guid", {"dbo.OSUSR_HR_EMPLOYEE": "data/hr.parquet"})
    assert [f.text() for f in scan.findings] == [
        "data/hr.parquet: column 'CREATEDBY' is not in the snapshot of dbo.OSUSR_HR_EMPLOYEE; "
        "re-run the snapshot of the table (the model and the snapshot disagree)",
        "dbo.OSUSR_SAL_ORDER: snapshot of dbo.OSUSR_SAL_ORDER not found; run the snapshot tasks "
        "first (doit full_export)",
    ]
    scan = scan_snapshots(catalog, written.snapshots, "guid")
    assert {f.code for f in scan.findings} == {"snapshot-column-missing", "column-kind-mismatch"}
    assert all(f.rule == "snapshots-readable" for f in scan.findings)


@pytest.mark.parametrize("kind", KINDS)
def test_classification_is_by_identity(tmp_path: Path, kind: IdKind) -> None:
    written = write_scenario(tmp_path, kind)
    catalog = build_catalog(model(kind), OPTIONS)
    qa, uat = inventories(kind)
    scan = scan_snapshots(catalog, written.snapshots, kind)
    referenced = classify(scan.columns, qa, uat)
    classes: dict[str, set[Any]] = {}
    for ref in referenced:
        classes.setdefault(ref.classification, set()).add(ref.id)
    ids = {name: {ident(n, kind) for n in numbers} for name, numbers in {
        "in_uat": {1},
        "collision": {5},
        "orphan_known": {2, 3, 4, 6, 7, 8, 9},
        "orphan_unknown": {UNKNOWN},
    }.items()}  # fmt: skip
    assert classes == ids
    unknown = next(r for r in referenced if r.id == ident(UNKNOWN, kind))
    assert unknown.rows == 2
    assert provenance(scan.columns, [unknown.id]) == {
        unknown.id: (("dbo.OSUSR_SAL_ORDER.ASSIGNEDTO", 1), ("dbo.OSUSR_SAL_ORDER.CREATEDBY", 1))
    }


USER = User(1, "ana", "ana@x.org", "Ana", "", True)


@pytest.mark.parametrize(
    ("other", "same"),
    [
        (replace(USER, username="ANA", email="other@x.org"), True),
        (replace(USER, username="someone", email="ANA@X.ORG"), True),
        (replace(USER, username="someone", email="someone@x.org"), False),
        (replace(USER, username="", email=""), False),
    ],
)
def test_same_identity_is_username_or_email_case_insensitive(other: User, same: bool) -> None:
    assert same_identity(USER, other) is same


def test_blank_values_never_make_an_identity() -> None:
    blank = replace(USER, username="", email="")
    assert not same_identity(blank, blank)

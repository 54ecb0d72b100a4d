"""The files of out/uat-users/: content, schemas, determinism, and what a failed run leaves."""

from __future__ import annotations

import csv
import json
import random
from dataclasses import replace
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from osddl.uat_users.analysis import Analysis, analyse
from osddl.uat_users.artifacts import render_artifacts, write_artifacts
from osddl.uat_users.files import UAT_ARTIFACTS
from osddl.uat_users.ids import IdKind
from osddl.uat_users.schemas import SCHEMAS
from osddl.uat_users.transform import map_from_document
from tests.uat_users_data import labels, model, write_scenario

KINDS: list[IdKind] = ["int", "guid", "text"]
SCHEMA_OF = {a.name: a.schema for a in UAT_ARTIFACTS}


def run(folder: Path, kind: IdKind = "int", **changes: Any) -> Analysis:
    written = write_scenario(folder, kind)
    options = replace(written.options, **changes)
    return analyse(model(kind), options, written.snapshots, base=folder, labels=labels(written))


@pytest.mark.parametrize("kind", KINDS)
def test_every_json_document_matches_its_schema_and_carries_its_version(
    tmp_path: Path, kind: IdKind
) -> None:
    documents = render_artifacts(run(tmp_path, kind))
    assert set(documents) == {a.name for a in UAT_ARTIFACTS if a.when != "verify"}
    for name, content in documents.items():
        schema = SCHEMA_OF[name]
        assert isinstance(content, dict) == (schema is not None), name
        if isinstance(content, dict) and schema is not None:
            jsonschema.Draft202012Validator(SCHEMAS[schema]).validate(content)
            assert (
                content["schemaVersion"] == SCHEMAS[schema]["properties"]["schemaVersion"]["const"]
            )


def test_failed_validation_writes_only_what_helps_fix_it_and_removes_stale_files(
    tmp_path: Path,
) -> None:
    out = tmp_path / "out"
    write_artifacts(out, run(tmp_path / "ok"))
    assert (out / "02_apply_user_remap.sql").is_file()
    failed = run(tmp_path / "bad", unknown_ids="fail", fallback="none")
    written = write_artifacts(out, failed)
    names = sorted(p.name for p in written)
    assert names == [
        "00_user_map.template.csv",
        "01_preview.csv",
        "03_catalog.txt",
        "04_matching_report.csv",
        "uat-users-orphan-discovery.json",
        "uat-users-validation-report.json",
    ]
    assert sorted(p.name for p in out.iterdir()) == names
    report = json.loads((out / "uat-users-validation-report.json").read_text(encoding="utf-8"))
    jsonschema.validate(report, SCHEMAS["uat-users-validation-report"])
    status = {r["rule"]: r["status"] for r in report["rules"]}
    assert report["status"] == "fail"
    assert status["no-unknown-ids"] == "fail" and status["every-orphan-mapped"] == "fail"
    assert status["qa-inventory-integrity"] == "pass"
    unknown = next(r for r in report["rules"] if r["rule"] == "no-unknown-ids")["failures"]
    assert [(f["code"], f["value"]) for f in unknown] == [("unknown-id", "99")]


def test_an_input_failure_stops_before_analysis(tmp_path: Path) -> None:
    written = write_scenario(tmp_path)
    (tmp_path / "qa_users.csv").write_text(
        "Id,Username,EMail,Name,External_Id,Is_Active,Creation_Date,Last_Login\n1,a,,,,2,,\n",
        encoding="utf-8",
    )
    analysis = analyse(model("int"), written.options, written.snapshots, base=tmp_path)
    assert not analysis.analysed and not analysis.passed
    documents = render_artifacts(analysis)
    assert sorted(documents) == ["03_catalog.txt", "uat-users-validation-report.json"]
    report = documents["uat-users-validation-report.json"]
    assert isinstance(report, dict)
    status = {r["rule"]: r["status"] for r in report["rules"]}
    assert status["qa-inventory-integrity"] == "fail"
    assert status["every-orphan-mapped"] == "not-checked"
    assert report["inputs"]["qaInventory"] == {"file": "qa_users.csv", "sha256": None}


def test_same_inputs_give_byte_identical_files(tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    write_artifacts(first / "out", run(first))
    write_artifacts(second / "out", run(second))
    for path in sorted((first / "out").iterdir()):
        assert path.read_bytes() == (second / "out" / path.name).read_bytes(), path.name
        assert b"\r" not in path.read_bytes() or path.name.endswith(".csv")
        assert str(tmp_path) not in path.read_text(encoding="utf-8")


def test_row_order_of_the_inventories_does_not_change_the_result(tmp_path: Path) -> None:
    base = render_artifacts(run(tmp_path / "a"))
    folder = tmp_path / "b"
    written = write_scenario(folder)
    for name in ("qa_users.csv", "uat_users.csv"):
        with (folder / name).open(encoding="utf-8", newline="") as handle:
            header, *records = list(csv.reader(handle))
        random.Random(7).shuffle(records)
        with (folder / name).open("w", encoding="utf-8", newline="") as handle:
            csv.writer(handle).writerows([header, *records])
    shuffled = analyse(
        model("int"), written.options, written.snapshots, base=folder, labels=labels(written)
    )
    other = render_artifacts(shuffled)
    for name in (
        "transformation-map.json",
        "02_apply_user_remap.sql",
        "01_preview.csv",
        "04_matching_report.csv",
        "00_user_map.template.csv",
        "03_catalog.txt",
    ):
        assert other[name] == base[name], name  # fmt: skip


def test_a_filled_in_template_is_a_user_map_that_reproduces_the_map(tmp_path: Path) -> None:
    analysis = run(tmp_path)
    template = render_artifacts(analysis)["00_user_map.template.csv"]
    assert isinstance(template, str)
    (tmp_path / "user_map.csv").write_text(template, encoding="utf-8")
    again = run_again(tmp_path)
    assert again.passed and again.tmap is not None and analysis.tmap is not None
    assert {e.source: e.target for e in again.tmap.entries} == {
        e.source: e.target for e in analysis.tmap.entries
    }
    assert {e.origin for e in again.tmap.entries} == {"manual"}


def run_again(folder: Path) -> Analysis:
    written = write_scenario(folder / "unused")
    snapshots = {k: v for k, v in written.snapshots.items()}
    options = replace(written.options, map="user_map.csv")
    return analyse(model("int"), options, snapshots, base=folder, labels=labels(written))


def test_transformation_map_reads_back(tmp_path: Path) -> None:
    analysis = run(tmp_path, "guid")
    document = render_artifacts(analysis)["transformation-map.json"]
    assert isinstance(document, dict) and analysis.tmap is not None
    again = map_from_document(json.loads(json.dumps(document)))
    assert again == analysis.tmap and again.sha256() == document["sha256"]


def test_csv_reports_have_the_spec_headers(tmp_path: Path) -> None:
    documents = render_artifacts(run(tmp_path))
    heads = {name: str(text).split("\n", 1)[0] for name, text in documents.items()}
    assert heads["01_preview.csv"] == "Schema,Table,Column,SourceUserId,TargetUserId,Rows"
    assert heads["04_matching_report.csv"] == (
        "SourceUserId,SourceUsername,TargetUserId,TargetUsername,Strategy,Explanation,"
        "UsedFallback,ValidationStatus"
    )
    assert heads["00_user_map.template.csv"].startswith("SourceUserId,TargetUserId,Note,")
    report = str(documents["04_matching_report.csv"])
    assert "\n6,frank,5900,release.manager,round-robin," in report
    assert report.count(",true,Valid\n") == 2


def test_rules_that_need_an_unreadable_file_are_not_checked(tmp_path: Path) -> None:
    written = write_scenario(tmp_path)
    (tmp_path / "uat_users.csv").write_bytes(b"Id,Username\n\xff\n")
    analysis = analyse(model("int"), written.options, written.snapshots, base=tmp_path)
    report = render_artifacts(analysis)["uat-users-validation-report.json"]
    assert isinstance(report, dict)
    status = {r["rule"]: r["status"] for r in report["rules"]}
    assert status["uat-inventory-integrity"] == "fail"
    assert status["qa-inventory-integrity"] == "pass" and status["map-integrity"] == "pass"
    assert status["map-no-duplicate-sources"] == "pass"
    for rule in ("id-kinds-agree", "every-target-in-uat", "targets-active", "every-orphan-mapped"):
        assert status[rule] == "not-checked", rule

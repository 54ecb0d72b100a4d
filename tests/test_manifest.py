"""Run manifest and export validation on a hand-built out/ tree: listed, hashed, able to fail."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from osddl.io import canonical_json
from osddl.layout import UNLISTED, classify
from osddl.model.contract import Attribute, Entity, Model, Module, Source
from osddl.model.store import write_model
from osddl.policy.store import DECISIONS_JSON
from osddl.proofs.export import verify_export, write_verification
from osddl.proofs.manifest import (
    MANIFEST,
    RUN_LOG,
    append_run_log,
    build_manifest,
    write_manifest,
)
from osddl.selection import SelectionOptions
from tests import decision_builders as decided

VERSIONS = {"osddl": "0.1.0", "python": "3.11.9", "pyarrow": "15.0.0"}
PROVENANCE = {
    "source.url": {"value": "mssql+pymssql://u:secret@h/db", "source": "env"},
    "policy.mode": {"value": "evidence-gated", "source": "default"},
    "model.modules": {"value": ["Sales Ops"], "source": "config"},
}
SELECTION = SelectionOptions.from_modules(PROVENANCE["model.modules"]["value"])
STATIC = {"dbo.OSUSR_SAL_ORDERSTATUS"}
CUSTOMER_SQL = "DynamicData/Sales_Ops/dbo.Customer.dynamic.sql"
SEED = "ssdt/Seeds/Sales_Ops/dbo.OrderStatus.seed.sql"
LOAD = "DynamicData/load.sql"


def _attribute(name: str) -> Attribute:
    return Attribute(
        name=name,
        physical_name=name.upper(),
        emitted_name=name,
        data_type="Integer",
        sql_type="int",
        length=None,
        precision=None,
        scale=None,
        default=None,
        is_mandatory=True,
        is_identifier=name == "Id",
        is_auto_number=False,
        is_active=True,
        present_but_inactive=False,
        original_name=None,
        external_db_type=None,
        description=None,
        reference=None,
        on_disk=None,
    )


def _entity(name: str, physical: str, static: bool) -> Entity:
    return Entity(
        name=name,
        physical_name=physical,
        emitted_name=name,
        schema="dbo",
        catalog=None,
        ss_key=None,
        is_static=static,
        is_external=False,
        is_active=True,
        description=None,
        attributes=[_attribute("Id")],
    )


def small_model() -> Model:
    """`Sales Ops` (folder `Sales_Ops`): Customer and static OrderStatus; plus the Users module,
    which the export leaves to the target's platform."""
    sales = Module(
        name="Sales Ops",
        ss_key=None,
        is_system=False,
        is_active=True,
        entities=[
            _entity("Customer", "OSUSR_SAL_CUSTOMER", False),
            _entity("OrderStatus", "OSUSR_SAL_ORDERSTATUS", True),
        ],
    )
    users = Module(
        name="Users",
        ss_key=None,
        is_system=True,
        is_active=True,
        entities=[_entity("User", "ossys_User", False)],
    )
    return Model(
        schema_version="osddl.model/1",
        source=Source(engine="mssql", database="qa"),
        modules=[sales, users],
    )


def _parquet(path: Path, rows: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.table({"ID": pa.array(range(1, rows + 1), pa.int32())}), path)


def _dynamic(rows: int) -> str:
    header = f"-- osddl DynamicData | module Sales Ops | entity Customer | source x | rows {rows}"
    return f"{header}\nINSERT INTO [dbo].[Customer] ([Id]) VALUES (1), (2);\nGO\n"


LOAD_SQL = ":on error exit\n:r .\\Sales_Ops\\dbo.Customer.dynamic.sql\n:r .\\deferred_updates.sql\n"
TEXT_FILES = {
    "profile-summary.json": "{}\n",
    "decisions.json": DECISIONS_JSON.to_bytes(
        decided.document(
            columns=[decided.column(name=n, make_not_null=n != "C") for n in ("A", "B", "C")],
            references=[decided.reference()],
        )
    ).decode("utf-8"),  # counts: notNull 2, foreignKeys 1
    "decision-report.json": "{}\n",
    "ssdt/Remediation/01_null_backfill.sql": "-- none\n",
    "ssdt/suggestions/safe-to-apply.sql": "-- none\n",
    "data/static-data.json": "{}\n",
    "ssdt/OutSystemsModel.sqlproj": "<Project />\n",
    "ssdt/Script.PostDeployment.sql": ":r .\\Seeds\\Sales_Ops\\dbo.OrderStatus.seed.sql\n",
    "ssdt/Schemas/billing.sql": "CREATE SCHEMA [billing];\n",
    "ssdt/Modules/Sales_Ops/dbo.Customer.sql": "CREATE TABLE [dbo].[Customer] ([Id] INT);\n",
    "ssdt/Modules/Sales_Ops/dbo.OrderStatus.sql": "CREATE TABLE [dbo].[OrderStatus] ([Id] INT);\n",
    SEED: "MERGE [dbo].[OrderStatus] AS t USING (VALUES (1)) AS s ([Id]) ON t.[Id] = s.[Id];\n",
    CUSTOMER_SQL: _dynamic(2),
    LOAD: LOAD_SQL,
    "DynamicData/deferred_updates.sql": "-- nothing deferred\n",
    "work/load-order.json": "[]\n",
    "proofs/topological-order-proof.json": "{}\n",
    "proofs/order-verification.json": "{}\n",
    "dmm-diff.json": "{}\n",
}
# path → (task, stage, rows) the manifest must list.
EXPECTED: dict[str, tuple[str, str, int | None]] = {
    "model.json": ("extract_model", "model", None),
    "profile.parquet": ("profile", "profile", None),
    "profile-summary.json": ("profile", "profile", None),
    "decisions.json": ("decide", "policy", None),
    "decision-report.json": ("decide", "policy", None),
    "ssdt/Remediation/01_null_backfill.sql": ("decide", "policy", None),
    "ssdt/suggestions/safe-to-apply.sql": ("decide", "policy", None),
    "data/static-data.json": ("static_data", "extract", None),
    "data/dbo.OSUSR_SAL_ORDERSTATUS.parquet": ("static_data", "extract", 3),
    "data/dbo.OSUSR_SAL_CUSTOMER.parquet": ("snapshot:dbo.OSUSR_SAL_CUSTOMER", "extract", 2),
    "ssdt/OutSystemsModel.sqlproj": ("ssdt", "ssdt", None),
    "ssdt/Script.PostDeployment.sql": ("ssdt", "ssdt", None),
    "ssdt/Schemas/billing.sql": ("ssdt", "ssdt", None),
    "ssdt/Modules/Sales_Ops/dbo.Customer.sql": ("ssdt", "ssdt", None),
    "ssdt/Modules/Sales_Ops/dbo.OrderStatus.sql": ("ssdt", "ssdt", None),
    SEED: ("ssdt", "ssdt", None),
    CUSTOMER_SQL: ("dynamic_data:dbo.Customer", "data", 2),
    LOAD: ("load_script", "data", None),
    "DynamicData/deferred_updates.sql": ("load_script", "data", None),
    "work/load-order.json": ("order", "data", None),
    "proofs/topological-order-proof.json": ("order", "proofs", None),
    "proofs/order-verification.json": ("verify:order", "proofs", None),
    "dmm-diff.json": ("dmm_compare", "compare", None),
}


def build_tree(out: Path, overrides: dict[str, str] | None = None) -> Model:
    """A complete out/ of `small_model`, with some files' text replaced."""
    model = small_model()
    write_model(out / "model.json", model)
    _parquet(out / "profile.parquet", 1)
    _parquet(out / "data/dbo.OSUSR_SAL_ORDERSTATUS.parquet", 3)
    _parquet(out / "data/dbo.OSUSR_SAL_CUSTOMER.parquet", 2)
    for relative, text in {**TEXT_FILES, **(overrides or {})}.items():
        (out / relative).parent.mkdir(parents=True, exist_ok=True)
        (out / relative).write_text(text, encoding="utf-8", newline="\n")
    return model


def exported(out: Path, overrides: dict[str, str] | None = None) -> Model:
    model = build_tree(out, overrides)
    write_manifest(out, build_manifest(out, model, SELECTION, PROVENANCE, VERSIONS))
    return model


def kinds(result: dict[str, Any]) -> set[tuple[str, str]]:
    return {(f["kind"], f["path"]) for f in result["findings"]}


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("data/dbo.OSUSR_SAL_ORDERSTATUS.parquet", ("static_data", "extract")),
        ("data/DBO.osusr_sal_orderstatus.parquet", ("static_data", "extract")),
        ("data/billing.BILLING_ACCOUNT.parquet", ("snapshot:billing.BILLING_ACCOUNT", "extract")),
        ("DynamicData/HR/dbo.Employee.dynamic.sql", ("dynamic_data:dbo.Employee", "data")),
        ("ssdt/Modules/HR/dbo.Employee.sql", ("ssdt", "ssdt")),
        ("ssdt/Remediation/02_duplicates.sql", ("decide", "policy")),
        ("work/load-order.json", ("order", "data")),
        ("work/deferred/dbo.Employee.sql", ("dynamic_data:dbo.Employee", "data")),
        ("work/dynamic/HR/dbo.Employee.dynamic.sql", ("dynamic_data:dbo.Employee", "data")),
        ("work/deferred/a/b.json", None),
        ("full-export.manifest.json", None),
        ("proofs/export-validation.json", None),
        ("run-log.jsonl", None),
        ("ssdt/notes.txt", None),
        ("data/nested/x.parquet", None),
        ("DynamicData/all.sql", None),
        ("notes.txt", None),
    ],
)
def test_classify_follows_the_layout_table(path: str, expected: tuple[str, str] | None) -> None:
    """(task, stage) the manifest lists a path under; None: not listed (not an artifact, or one
    written after or about the manifest)."""
    matched = classify(path, STATIC)
    listed = None if matched is None or path in UNLISTED else (matched[1], matched[0].stage)
    assert listed == expected


def test_manifest_lists_exactly_the_classified_files(tmp_path: Path) -> None:
    model = build_tree(tmp_path)
    (tmp_path / "notes.txt").write_text("mine\n", encoding="utf-8")
    manifest = build_manifest(tmp_path, model, SELECTION, PROVENANCE, VERSIONS)
    listed = {a["path"]: (a["task"], a["stage"], a.get("rows")) for a in manifest["artifacts"]}
    assert listed == EXPECTED
    paths = [a["path"] for a in manifest["artifacts"]]
    assert paths == sorted(paths)
    assert all(a["size"] == (tmp_path / a["path"]).stat().st_size for a in manifest["artifacts"])
    assert manifest["stages"]["data"]["tasks"] == [
        "dynamic_data:dbo.Customer",
        "load_script",
        "order",
    ]
    assert manifest["counts"] == {
        "modules": 1,
        "entities": 2,
        "tables": 1,
        "rows": 2,
        "columnsTightened": 2,
        "foreignKeysCreated": 1,
    }
    assert manifest["versions"] == VERSIONS


def test_manifest_is_byte_identical_and_free_of_run_details(tmp_path: Path) -> None:
    model = build_tree(tmp_path)
    first = canonical_json(build_manifest(tmp_path, model, SELECTION, PROVENANCE, VERSIONS))
    write_manifest(tmp_path, build_manifest(tmp_path, model, SELECTION, PROVENANCE, VERSIONS))
    append_run_log(tmp_path, "manifest", 0.25)
    write_manifest(tmp_path, build_manifest(tmp_path, model, SELECTION, PROVENANCE, VERSIONS))
    assert (tmp_path / MANIFEST).read_bytes() == first
    assert str(tmp_path).encode() not in first
    assert b"\r\n" not in first


def test_stage_fingerprint_follows_its_files_only(tmp_path: Path) -> None:
    model = build_tree(tmp_path)
    before = build_manifest(tmp_path, model, SELECTION, PROVENANCE, VERSIONS)["stages"]
    (tmp_path / "ssdt/Schemas/billing.sql").write_text("CREATE SCHEMA [b];\n", encoding="utf-8")
    after = build_manifest(tmp_path, model, SELECTION, PROVENANCE, VERSIONS)["stages"]
    changed = {s for s in before if before[s]["fingerprint"] != after[s]["fingerprint"]}
    assert changed == {"ssdt"}


def test_manifest_redacts_passwords_in_options(tmp_path: Path) -> None:
    model = build_tree(tmp_path)
    write_manifest(tmp_path, build_manifest(tmp_path, model, SELECTION, PROVENANCE, VERSIONS))
    text = (tmp_path / MANIFEST).read_text(encoding="utf-8")
    options = json.loads(text)["options"]
    assert options["source.url"] == {"value": "mssql+pymssql://u:***@h/db", "source": "env"}
    assert options["model.modules"]["value"] == ["Sales Ops"]
    assert "secret" not in text


def test_run_log_holds_the_timings_one_line_each(tmp_path: Path) -> None:
    append_run_log(tmp_path, "snapshot:dbo.X", 1.23456, rows=2)
    append_run_log(tmp_path, "extract_model", 0.5, url="mssql+pymssql://u:secret@h/db")
    lines = (tmp_path / RUN_LOG).read_text(encoding="utf-8").splitlines()
    first, second = (json.loads(line) for line in lines)
    assert (first["task"], first["seconds"], first["rows"]) == ("snapshot:dbo.X", 1.235, 2)
    assert second["url"] == "mssql+pymssql://u:***@h/db"


def test_verify_passes_on_the_intact_export(tmp_path: Path) -> None:
    model = exported(tmp_path)
    append_run_log(tmp_path, "manifest", 0.1)
    result = verify_export(tmp_path, model, SELECTION)
    assert result["status"] == "pass", result["findings"]
    assert result["checked"]["artifacts"] == len(EXPECTED)
    write_verification(tmp_path, result)
    again = verify_export(tmp_path, model, SELECTION)
    assert again == result  # its own proof file is not a stray
    saved = json.loads((tmp_path / "proofs/export-validation.json").read_text(encoding="utf-8"))
    assert saved["schemaVersion"] == "osddl.export-validation/1"


def test_verify_fails_without_a_manifest(tmp_path: Path) -> None:
    model = build_tree(tmp_path)
    result = verify_export(tmp_path, model, SELECTION)
    assert result["status"] == "fail"
    assert kinds(result) == {("manifest", MANIFEST)}
    assert "doit full_export" in result["findings"][0]["hint"]


def test_verify_fails_on_one_changed_byte(tmp_path: Path) -> None:
    model = exported(tmp_path)
    path = tmp_path / CUSTOMER_SQL
    path.write_bytes(path.read_bytes().replace(b"(2);", b"(3);"))
    result = verify_export(tmp_path, model, SELECTION)
    assert result["status"] == "fail"
    assert kinds(result) == {("changed", CUSTOMER_SQL)}
    assert "sha256" in result["findings"][0]["detail"]
    assert result["findings"][0]["hint"] == (
        "delete the file, then rerun doit full_export; it changed after the run"
    )


def test_verify_fails_on_a_deleted_seed(tmp_path: Path) -> None:
    model = exported(tmp_path)
    (tmp_path / SEED).unlink()
    result = verify_export(tmp_path, model, SELECTION)
    assert result["status"] == "fail"
    assert kinds(result) == {("missing", SEED), ("incomplete", SEED)}
    incomplete = next(f for f in result["findings"] if f["kind"] == "incomplete")
    assert "Sales Ops::OrderStatus" in incomplete["detail"]
    assert incomplete["hint"] == "rerun doit full_export"


def test_verify_fails_on_stray_and_stale_files(tmp_path: Path) -> None:
    model = exported(tmp_path)
    (tmp_path / "notes.txt").write_text("mine\n", encoding="utf-8")
    _parquet(tmp_path / "data/dbo.OSUSR_OLD_GONE.parquet", 1)
    result = verify_export(tmp_path, model, SELECTION)
    assert result["status"] == "fail"
    assert kinds(result) == {
        ("unexpected", "notes.txt"),
        ("unexpected", "data/dbo.OSUSR_OLD_GONE.parquet"),
    }
    stale = next(f for f in result["findings"] if f["path"].startswith("data/"))
    assert "snapshot:dbo.OSUSR_OLD_GONE" in stale["detail"]
    assert "remove the stray file" in stale["hint"]


def test_verify_fails_when_dynamic_rows_differ_from_the_snapshot(tmp_path: Path) -> None:
    model = exported(tmp_path, {CUSTOMER_SQL: _dynamic(3)})
    result = verify_export(tmp_path, model, SELECTION)
    assert kinds(result) == {("row-count", CUSTOMER_SQL)}
    assert "header says 3 rows" in result["findings"][0]["detail"]
    assert "has 2" in result["findings"][0]["detail"]
    assert result["findings"][0]["hint"] == (
        "delete the file, then rerun doit full_export; script and snapshot disagree"
    )


def test_verify_fails_when_load_sql_leaves_a_file_out(tmp_path: Path) -> None:
    model = exported(tmp_path, {LOAD: ":on error exit\n:r .\\deferred_updates.sql\n"})
    result = verify_export(tmp_path, model, SELECTION)
    assert kinds(result) == {("load-script", CUSTOMER_SQL)}
    assert "0 times" in result["findings"][0]["detail"]


def test_verify_fails_when_load_sql_includes_twice_or_a_ghost(tmp_path: Path) -> None:
    ghost = ":r .\\Sales_Ops\\dbo.Gone.dynamic.sql\n"
    twice = LOAD_SQL + ":r .\\Sales_Ops\\dbo.Customer.dynamic.sql\n" + ghost
    model = exported(tmp_path, {LOAD: twice})
    result = verify_export(tmp_path, model, SELECTION)
    assert kinds(result) == {
        ("load-script", CUSTOMER_SQL),
        ("load-script", "DynamicData/Sales_Ops/dbo.Gone.dynamic.sql"),
    }


def test_verify_fails_on_a_missing_dynamic_data_file(tmp_path: Path) -> None:
    model = exported(tmp_path)
    (tmp_path / CUSTOMER_SQL).unlink()
    result = verify_export(tmp_path, model, SELECTION)
    assert kinds(result) == {
        ("missing", CUSTOMER_SQL),
        ("incomplete", CUSTOMER_SQL),
    }

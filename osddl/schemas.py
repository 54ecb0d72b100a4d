"""Every committed JSON Schema under `docs/schemas/`, by file name (the layout's `schema` column).

Hub files that other stages read (model.json, decisions.json, work/load-order.json) have typed
readers; their schemas come from their contracts. The other JSON artifacts are still written as
plain dicts by their stages: their schemas come from the shape contracts below (same codec) or,
where entries carry free-form facts, from a hand-written schema. `doit docs` writes them all; tests
check the committed copies and validate real output against them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final, Literal

from osddl.compare.ddl import SCHEMA_VERSION as DMM_DIFF_VERSION
from osddl.export.load_order import LOAD_ORDER_JSON
from osddl.export.order import PROOF_VERSION
from osddl.export.remediation import LEDGER_JSON
from osddl.export.snapshot import STATIC_INDEX_VERSION
from osddl.load.documents import DOCUMENTS as LOAD_DOCUMENTS
from osddl.model.codec import json_schema
from osddl.model.store import model_schema
from osddl.policy.store import DECISION_REPORT_JSON, DECISIONS_JSON
from osddl.profile.store import SUMMARY_VERSION
from osddl.proofs.export import RESULT_VERSION
from osddl.proofs.fit import VERSION as FIT_VERIFICATION_VERSION
from osddl.proofs.loadable import VERSION as LOADABLE_VERIFICATION_VERSION
from osddl.proofs.manifest import SCHEMA_VERSION as MANIFEST_VERSION
from osddl.proofs.order import VERSION as ORDER_VERIFICATION_VERSION
from osddl.typed_json import schema_id
from osddl.uat_users.schemas import SCHEMAS as UAT_SCHEMAS

# ---- profile-summary.json ---------------------------------------------------------------------


@dataclass(frozen=True)
class TableSummary:
    schema: str
    table: str
    module: str
    entity: str
    row_count: int | None
    columns_with_nulls: int
    duplicate_candidates: int
    references_with_orphans: int
    statuses: dict[str, int]  # probe status → probes


@dataclass(frozen=True)
class SummaryTotals:
    tables: int
    probes: int
    probes_without_evidence: int
    columns_with_nulls: int
    duplicate_candidates: int
    references_with_orphans: int


@dataclass(frozen=True)
class ProfileSummary:
    schema_version: Literal["osddl.profile-summary/1"]
    knobs: dict[str, Any]  # the profiling settings
    tables: list[TableSummary]
    totals: SummaryTotals


# ---- data/static-data.json --------------------------------------------------------------------


@dataclass(frozen=True)
class StaticDataIndex:
    schema_version: Literal["osddl.static-data/1"]
    snapshots: dict[str, str]  # snapshot file name → sha256


# ---- proofs/export-validation.json ------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    kind: str
    path: str
    detail: str
    hint: str


@dataclass(frozen=True)
class CheckedCounts:
    artifacts: int
    files: int
    entities: int
    static_entities: int
    tables: int


@dataclass(frozen=True)
class ExportValidation:
    schema_version: Literal["osddl.export-validation/1"]
    status: Literal["pass", "fail"]
    findings: list[Finding]
    checked: CheckedCounts


# ---- dmm-diff.json ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ColumnDrift:
    column: str
    ours: str
    theirs: str


@dataclass(frozen=True)
class KeyDrift:
    ours: list[str]
    theirs: list[str]


@dataclass(frozen=True)
class ForeignKeyTarget:
    references: str
    referenced_columns: list[str]
    on_delete: str


@dataclass(frozen=True)
class ForeignKeyDrift:
    columns: list[str]
    ours: list[ForeignKeyTarget]
    theirs: list[ForeignKeyTarget]


@dataclass(frozen=True)
class UniqueDrift:
    columns: list[str]
    only_in: Literal["ours", "theirs"]


@dataclass(frozen=True)
class TableDrift:
    columns_only_ours: list[str]
    columns_only_theirs: list[str]
    type_drift: list[ColumnDrift]
    nullability_drift: list[ColumnDrift]
    primary_key_drift: list[KeyDrift]
    foreign_key_drift: list[ForeignKeyDrift]
    unique_drift: list[UniqueDrift]


@dataclass(frozen=True)
class Compared:
    foreign_keys: bool
    unique_keys: bool


@dataclass(frozen=True)
class DiffSummary:
    ours_tables: int
    theirs_tables: int
    common_tables: int
    tables_with_drift: int


@dataclass(frozen=True)
class DmmDiff:
    schema_version: Literal["osddl.dmm-diff/1"]
    match: bool
    compared: Compared
    summary: DiffSummary
    missing_tables: list[str]
    extra_tables: list[str]
    tables: dict[str, TableDrift]  # lower-case `schema.table` → its drift


# ---- hand-written: entries with free-form facts -----------------------------------------------

_STR: Final = {"type": "string"}
_INT: Final = {"type": "integer"}
_STRINGS: Final = {"type": "array", "items": _STR}
_VERDICT: Final = {"enum": ["pass", "fail"]}


def _object(properties: dict[str, Any], optional: tuple[str, ...] = ()) -> dict[str, Any]:
    """A closed object: every property required unless listed as optional."""
    return {
        "type": "object",
        "additionalProperties": False,
        "required": sorted(k for k in properties if k not in optional),
        "properties": properties,
    }


def _counts(*names: str) -> dict[str, Any]:
    return _object({name: _INT for name in names})


def topological_order_schema() -> dict[str, Any]:
    """proofs/topological-order-proof.json: each edge names the check that makes it safe."""
    edge = _object(
        {
            "child": _STR,
            "column": _STR,
            "parent": _STR,
            "parentColumn": _STR,
            "nullable": {"type": "boolean"},
            "onDelete": _STR,
            "constraint": {"type": ["string", "null"]},
            "origin": {"enum": ["policy", "physical"]},
            "childIndex": _INT,
            "parentIndex": {"type": ["integer", "null"]},
            "check": {
                "enum": [
                    "parentIndex < childIndex",
                    "selfReference",
                    "preloaded",
                    "missingParent",
                    "deferred",
                ]
            },
            "holds": {"type": "boolean"},
            **{
                name: {"const": True}
                for name in ("selfReference", "preloaded", "missingParent", "deferred")
            },
        },
        optional=("selfReference", "preloaded", "missingParent", "deferred"),
    )
    cycle = _object({"tables": _STRINGS, "deferred": _STRINGS})
    body = {
        "order": _STRINGS,
        "edges": {"type": "array", "items": edge},
        "cycles": {"type": "array", "items": cycle},
        "deferred": _STRINGS,
        "selfReferences": _STRINGS,
        "missingParents": _STRINGS,
        "warnings": _STRINGS,
        "counts": _counts(
            "tables", "edges", "deferred", "selfReferences", "missingParents", "cycles"
        ),
        "valid": {"type": "boolean"},
        "verdict": _VERDICT,
    }
    return _written("topological-order-proof", "osddl topological order proof", PROOF_VERSION, body)


def order_verification_schema() -> dict[str, Any]:
    """proofs/order-verification.json: checks carry facts that depend on their kind."""
    check = {
        "type": "object",
        "required": ["kind", "status", "subject"],
        "properties": {"kind": _STR, "subject": _STR, "status": _VERDICT},
    }
    failure = _object({"kind": _STR, "file": _STR, "detail": _STR})
    body = {
        "verdict": _VERDICT,
        "checks": {"type": "array", "items": check},
        "failures": {"type": "array", "items": failure},
    }
    return _written(
        "order-verification", "osddl order verification", ORDER_VERIFICATION_VERSION, body
    )


def fit_verification_schema() -> dict[str, Any]:
    """proofs/fit-verification.json: a failure inside a data file names batch, row and column."""
    failure = _object(
        {"kind": _STR, "file": _STR, "detail": _STR, "batch": _INT, "row": _INT, "column": _STR},
        optional=("batch", "row", "column"),
    )
    body = {
        "verdict": _VERDICT,
        "files": _INT,
        "values": _INT,
        "failureCount": _INT,
        "failures": {"type": "array", "items": failure},
    }
    return _written(
        "fit-verification", "osddl value fit verification", FIT_VERIFICATION_VERSION, body
    )


def loadable_verification_schema() -> dict[str, Any]:
    """proofs/loadable-verification.json: each failure names the constraint, the snapshot and
    up to 10 primary-key values of the rows SQL Server would refuse."""
    failure = _object(
        {
            "kind": {"enum": ["null", "null-at-insert", "duplicate", "orphan", "ledger"]},
            "constraint": _STR,
            "file": _STR,
            "rows": _INT,
            "detail": _STR,
            "samples": {"type": "array"},
            "hint": _STR,
        }
    )
    body = {
        "mode": _STR,
        "verdict": _VERDICT,
        "checked": _counts("notNull", "unique", "foreignKeys"),
        "remediation": _object({"applied": {"type": "boolean"}, "ledgerEntries": _INT}),
        "failureCount": _INT,
        "failures": {"type": "array", "items": failure},
    }
    return _written(
        "loadable-verification",
        "osddl loadable pair verification",
        LOADABLE_VERIFICATION_VERSION,
        body,
    )


UAT_COUNTS: Final = (
    "catalogColumns",
    "orphans",
    "collisions",
    "kept",
    "mapped",
    "fallback",
    "manual",
)


def manifest_schema() -> dict[str, Any]:
    """full-export.manifest.json: data files also carry `rows`; `counts` may hold extras."""
    entry = _object(
        {
            "path": _STR,
            "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
            "size": _INT,
            "task": _STR,
            "stage": _STR,
            "rows": {"type": ["integer", "null"]},
        },
        optional=("rows",),
    )
    stage = _object({"tasks": _STRINGS, "fingerprint": _STR})
    counts = {
        "type": "object",
        "required": ["entities", "modules", "rows", "tables"],
        "properties": {
            name: _INT
            for name in (
                "modules",
                "entities",
                "tables",
                "rows",
                "columnsTightened",
                "foreignKeysCreated",
            )
        },
    }
    body = {
        "artifacts": {"type": "array", "items": entry},
        "stages": {"type": "object", "additionalProperties": stage},
        "counts": counts,
        "options": {  # every setting with its source (`Setting` of decisions.json)
            "type": "object",
            "additionalProperties": _object({"value": {}, "source": _STR}),
        },
        "versions": {  # osddl's own (osddl.__version__), Python's and the libraries'
            "type": "object",
            "required": ["osddl"],
            "additionalProperties": _STR,
        },
        "uatUsers": _object(
            {
                "transformationApplied": {"type": "boolean"},
                "transformationMode": {"enum": ["pre-transformed-inserts", "none"]},
                "reason": _STR,
                "fingerprints": _object(
                    {
                        name: {"type": ["string", "null"]}
                        for name in ("qaInventory", "uatInventory", "userMap", "transformationMap")
                    }
                ),
                "counts": _counts(*UAT_COUNTS),
                "reports": _STRINGS,
            },
            optional=("transformationMode", "reason", "fingerprints", "counts", "reports"),
        ),
    }
    return _written("manifest", "osddl run manifest", MANIFEST_VERSION, body)


def _written(name: str, title: str, version: str, properties: dict[str, Any]) -> dict[str, Any]:
    """A hand-written document schema: `schemaVersion` pinned, every property required."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": schema_id(name),
        "title": f"{title} ({version})",
        **_object({"schemaVersion": {"const": version}, **properties}),
    }


def _fixed(schema: dict[str, Any]) -> Callable[[], dict[str, Any]]:
    """A schema written as a constant (uat-users' documents)."""
    return lambda: dict(schema)


def _codec(root: type, name: str, title: str, version: str) -> Callable[[], dict[str, Any]]:
    return lambda: json_schema(root, schema_id(name), f"{title} ({version})")


# Schema file name → its generator (uat-users' own schemas come from that package).
# The version each schema pins is the writer's constant.
SCHEMAS: Final[dict[str, Callable[[], dict[str, Any]]]] = {
    "model.schema.json": model_schema,
    "profile-summary.schema.json": _codec(
        ProfileSummary, "profile-summary", "osddl profile summary", SUMMARY_VERSION
    ),
    "decisions.schema.json": DECISIONS_JSON.schema,
    "decision-report.schema.json": DECISION_REPORT_JSON.schema,
    "static-data.schema.json": _codec(
        StaticDataIndex, "static-data", "osddl static data index", STATIC_INDEX_VERSION
    ),
    "load-order.schema.json": LOAD_ORDER_JSON.schema,
    "topological-order-proof.schema.json": topological_order_schema,
    "order-verification.schema.json": order_verification_schema,
    "fit-verification.schema.json": fit_verification_schema,
    "loadable-verification.schema.json": loadable_verification_schema,
    "remediation-ledger.schema.json": LEDGER_JSON.schema,
    "manifest.schema.json": manifest_schema,
    "export-validation.schema.json": _codec(
        ExportValidation, "export-validation", "osddl export validation", RESULT_VERSION
    ),
    "dmm-diff.schema.json": _codec(DmmDiff, "dmm-diff", "osddl DDL comparison", DMM_DIFF_VERSION),
    **{f"{name}.schema.json": _fixed(schema) for name, schema in UAT_SCHEMAS.items()},
    **{f"{document.name}.schema.json": document.schema for document in LOAD_DOCUMENTS},
}

"""decisions.json, decision-report.json and the console rollup, from `Decisions`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from osddl.policy.decide import ColumnDecision, Decisions, Place, ReferenceDecision, UniqueDecision

DECISIONS_VERSION = "osddl.decisions/1"
REPORT_VERSION = "osddl.decision-report/1"


def _place(place: Place, name: str) -> dict[str, str]:
    return {
        "module": place.module,
        "entity": place.entity,
        "schema": place.schema,
        "table": place.table,
        "physical": f"{place.schema}.{place.table}.{name}",
    }


def _column(d: ColumnDecision) -> dict[str, Any]:
    return {
        **_place(d.place, d.column),
        "attribute": d.attribute,
        "column": d.column,
        "signal": d.signal,
        "makeNotNull": d.make_not_null,
        "requiresRemediation": d.requires_remediation,
        "rationales": list(d.rationales),
        "nullCount": d.null_count,
    }


def _unique(d: UniqueDecision) -> dict[str, Any]:
    return {
        **_place(d.place, d.index),
        "index": d.index,
        "attributes": list(d.attributes),
        "columns": list(d.columns),
        "signal": d.signal,
        "enforceUnique": d.enforce_unique,
        "requiresRemediation": d.requires_remediation,
        "rationales": list(d.rationales),
        "duplicateRows": d.duplicate_rows,
    }


def _reference(d: ReferenceDecision) -> dict[str, Any]:
    return {
        **_place(d.place, d.column),
        "attribute": d.attribute,
        "column": d.column,
        "referencedSchema": d.referenced_schema,
        "referencedTable": d.referenced_table,
        "referencedColumn": d.referenced_column,
        "signal": d.signal,
        "createFk": d.create_fk,
        "withCheck": d.with_check,
        "onDelete": d.on_delete,
        "existingConstraint": d.existing_constraint,
        "requiresRemediation": d.requires_remediation,
        "rationales": list(d.rationales),
        "orphanCount": d.orphan_count,
    }


def decision_counts(decisions: Decisions) -> dict[str, int]:
    remediation = (
        sum(d.requires_remediation for d in decisions.columns)
        + sum(d.requires_remediation for d in decisions.uniques)
        + sum(d.requires_remediation for d in decisions.references)
    )
    return {
        "columns": len(decisions.columns),
        "notNull": sum(d.make_not_null for d in decisions.columns),
        "uniqueIndexes": len(decisions.uniques),
        "uniqueEnforced": sum(d.enforce_unique for d in decisions.uniques),
        "references": len(decisions.references),
        "foreignKeys": sum(d.create_fk for d in decisions.references),
        "requiresRemediation": remediation,
    }


def decisions_document(decisions: Decisions, options: Mapping[str, Any]) -> dict[str, Any]:
    """The decisions.json contract: every decision keyed by module/entity and physical name."""
    return {
        "schemaVersion": DECISIONS_VERSION,
        "mode": decisions.mode,
        "options": dict(options),
        "counts": decision_counts(decisions),
        "columns": [_column(d) for d in decisions.columns],
        "uniqueIndexes": [_unique(d) for d in decisions.uniques],
        "references": [_reference(d) for d in decisions.references],
    }


def _risk(
    kind: str, d: ColumnDecision | UniqueDecision | ReferenceDecision, rows: int | None, name: str
) -> dict[str, Any]:
    return {
        "kind": kind,
        "module": d.place.module,
        "entity": d.place.entity,
        "name": name,
        "rows": rows,
        "rationales": list(d.rationales),
    }


def report_document(decisions: Decisions) -> dict[str, Any]:
    """Per-module rollups with skipped FKs and their reasons, plus the top remediation risks."""
    modules: dict[str, dict[str, Any]] = {}

    def module(name: str) -> dict[str, Any]:
        return modules.setdefault(
            name,
            {
                "module": name,
                "columnsTightened": 0,
                "uniquesEnforced": 0,
                "foreignKeysCreated": 0,
                "foreignKeysSkipped": [],
                "remediationNeeded": 0,
            },
        )

    for c in decisions.columns:
        entry = module(c.place.module)
        entry["columnsTightened"] += int(c.make_not_null and c.signal not in ("pk", "physical"))
        entry["remediationNeeded"] += int(c.requires_remediation)
    for u in decisions.uniques:
        module(u.place.module)["uniquesEnforced"] += int(u.enforce_unique)
        module(u.place.module)["remediationNeeded"] += int(u.requires_remediation)
    for r in decisions.references:
        entry = module(r.place.module)
        entry["foreignKeysCreated"] += int(r.create_fk)
        entry["remediationNeeded"] += int(r.requires_remediation)
        if not r.create_fk:
            entry["foreignKeysSkipped"].append(
                {
                    "entity": r.place.entity,
                    "attribute": r.attribute,
                    "target": f"{r.referenced_schema}.{r.referenced_table}",
                    "reasons": [c for c in r.rationales if not c.startswith("MODE_")],
                }
            )
    risks = sorted(
        [
            _risk("notNull", c, c.null_count, c.attribute)
            for c in decisions.columns
            if c.requires_remediation
        ]
        + [
            _risk("unique", u, u.duplicate_rows, u.index)
            for u in decisions.uniques
            if u.requires_remediation
        ]
        + [
            _risk("foreignKey", r, r.orphan_count, r.attribute)
            for r in decisions.references
            if r.requires_remediation
        ],
        key=lambda r: (-(r["rows"] or 0), r["module"], r["entity"], r["name"]),
    )
    return {
        "schemaVersion": REPORT_VERSION,
        "mode": decisions.mode,
        "counts": decision_counts(decisions),
        "modules": [modules[k] for k in sorted(modules, key=str.casefold)],
        "topRisks": risks[:10],
    }


def console_rollup(report: Mapping[str, Any]) -> str:
    lines = [
        f"decide: mode {report['mode']}",
        f"  {'module':<20} {'NOT NULL':>8} {'UNIQUE':>6} {'FKs':>4} {'FKs skipped':>11} "
        f"{'remediate':>9}",
    ]
    for m in report["modules"]:
        lines.append(
            f"  {m['module']:<20} {m['columnsTightened']:>8} {m['uniquesEnforced']:>6} "
            f"{m['foreignKeysCreated']:>4} {len(m['foreignKeysSkipped']):>11} "
            f"{m['remediationNeeded']:>9}"
        )
    return "\n".join(lines)

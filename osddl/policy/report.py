"""decisions.json, decision-report.json and the console rollup, from `Decisions`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, cast

from osddl.model.codec import to_json
from osddl.policy.contract import (
    DecidedColumn,
    DecidedReference,
    DecidedUnique,
    DecisionCounts,
    DecisionReport,
    DecisionsDocument,
    ModuleRollup,
    Risk,
    RiskKind,
    Setting,
    SkippedForeignKey,
    ValueMisfit,
)
from osddl.policy.decide import ColumnDecision, Decisions, ReferenceDecision, UniqueDecision

AnyDecision = ColumnDecision | UniqueDecision | ReferenceDecision


def _placed(d: AnyDecision, name: str) -> dict[str, Any]:
    """Where a decision is: the fields every decided item starts with."""
    p = d.place
    return {
        "module": p.module,
        "entity": p.entity,
        "schema": p.schema,
        "table": p.table,
        "physical": f"{p.schema}.{p.table}.{name}",
        "signal": d.signal,
        "requires_remediation": d.requires_remediation,
        "rationales": list(d.rationales),
    }


def _column(d: ColumnDecision) -> DecidedColumn:
    return DecidedColumn(
        **_placed(d, d.column),
        attribute=d.attribute,
        column=d.column,
        make_not_null=d.make_not_null,
        null_count=d.null_count,
    )


def _unique(d: UniqueDecision) -> DecidedUnique:
    return DecidedUnique(
        **_placed(d, d.index),
        index=d.index,
        attributes=list(d.attributes),
        columns=list(d.columns),
        enforce_unique=d.enforce_unique,
        duplicate_rows=d.duplicate_rows,
    )


def _reference(d: ReferenceDecision) -> DecidedReference:
    return DecidedReference(
        **_placed(d, d.column),
        attribute=d.attribute,
        column=d.column,
        referenced_schema=d.referenced_schema,
        referenced_table=d.referenced_table,
        referenced_column=d.referenced_column,
        create_fk=d.create_fk,
        with_check=d.with_check,
        on_delete=d.on_delete,
        existing_constraint=d.existing_constraint,
        orphan_count=d.orphan_count,
    )


def decision_counts(decisions: Decisions) -> DecisionCounts:
    remediation = (
        sum(d.requires_remediation for d in decisions.columns)
        + sum(d.requires_remediation for d in decisions.uniques)
        + sum(d.requires_remediation for d in decisions.references)
    )
    return DecisionCounts(
        columns=len(decisions.columns),
        not_null=sum(d.make_not_null for d in decisions.columns),
        unique_indexes=len(decisions.uniques),
        unique_enforced=sum(d.enforce_unique for d in decisions.uniques),
        references=len(decisions.references),
        foreign_keys=sum(d.create_fk for d in decisions.references),
        requires_remediation=remediation,
    )


def decisions_document(
    decisions: Decisions, options: Mapping[str, Mapping[str, Any]]
) -> DecisionsDocument:
    """The decisions.json contract; `options`: setting name → {"value", "source"} (provenance)."""
    return DecisionsDocument(
        mode=decisions.mode,
        options={k: Setting(v["value"], v["source"]) for k, v in options.items()},
        counts=decision_counts(decisions),
        columns=[_column(d) for d in decisions.columns],
        unique_indexes=[_unique(d) for d in decisions.uniques],
        references=[_reference(d) for d in decisions.references],
    )


def _risk(kind: RiskKind, d: AnyDecision, rows: int | None, name: str) -> Risk:
    return Risk(kind, d.place.module, d.place.entity, name, rows, list(d.rationales))


def _skipped(r: ReferenceDecision) -> SkippedForeignKey:
    return SkippedForeignKey(
        entity=r.place.entity,
        attribute=r.attribute,
        target=f"{r.referenced_schema}.{r.referenced_table}",
        reasons=[c for c in r.rationales if not c.startswith("MODE_")],
    )


def _rollup(module: str, decisions: list[AnyDecision]) -> ModuleRollup:
    columns = [d for d in decisions if isinstance(d, ColumnDecision)]
    references = [d for d in decisions if isinstance(d, ReferenceDecision)]
    return ModuleRollup(
        module=module,
        columns_tightened=sum(
            c.make_not_null and c.signal not in ("pk", "physical") for c in columns
        ),
        uniques_enforced=sum(isinstance(d, UniqueDecision) and d.enforce_unique for d in decisions),
        foreign_keys_created=sum(r.create_fk for r in references),
        foreign_keys_skipped=[_skipped(r) for r in references if not r.create_fk],
        remediation_needed=sum(d.requires_remediation for d in decisions),
    )


def decision_report(decisions: Decisions, value_fit: Sequence[ValueMisfit] = ()) -> DecisionReport:
    """Per-module rollups with skipped FKs and their reasons, the top remediation risks, and the
    values that do not fit their emitted type (`osddl.policy.fit.value_misfits`)."""
    every: list[AnyDecision] = [*decisions.columns, *decisions.uniques, *decisions.references]
    by_module: dict[str, list[AnyDecision]] = {}
    for d in every:
        by_module.setdefault(d.place.module, []).append(d)
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
        key=lambda r: (-(r.rows or 0), r.module, r.entity, r.name),
    )
    return DecisionReport(
        mode=decisions.mode,
        counts=decision_counts(decisions),
        modules=[_rollup(m, by_module[m]) for m in sorted(by_module, key=str.casefold)],
        top_risks=risks[:10],
        value_fit=list(value_fit),
    )


def report_document(decisions: Decisions, value_fit: Sequence[ValueMisfit] = ()) -> dict[str, Any]:
    """decision-report.json as JSON values (built through the typed `DecisionReport`)."""
    return cast(dict[str, Any], to_json(decision_report(decisions, value_fit)))


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
    for misfit in report.get("valueFit", []):
        widen = f"widen to {misfit['widenTo']}" if misfit["widenTo"] else "fix the rows"
        lines.append(
            f"  value fit: {misfit['physical']} {misfit['emittedType']}: {misfit['problem']}; "
            f"{widen} (listing in decision-report.json)"
        )
    return "\n".join(lines)

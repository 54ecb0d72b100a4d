"""The policy as a pure function: (model, evidence, options) → decisions.

Each column, unique index and reference gets one *signal* (what the model, the database and the
evidence say); the matrix (`matrix.py`) turns signal and mode into an outcome and rationale codes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from osddl.config import closest
from osddl.errors import InputError
from osddl.model.contract import Attribute, Entity, FkAction, Index, Model
from osddl.policy.matrix import ConstraintKind, Outcome, lookup
from osddl.policy.rationale import MODE_CODES
from osddl.profile.evidence import EVIDENCE_STATUSES, Evidence, Kind

Grade = Literal["clean", "dirty", "missing", "sampled"]
ON_DELETE: dict[str, FkAction] = {"Delete": "CASCADE", "SetNull": "SET_NULL"}


@dataclass(frozen=True)
class PolicyOptions:
    mode: str = "evidence-gated"
    null_budget: float = 0.0
    accept_sampled_evidence: bool = False
    keep_nullable: tuple[str, ...] = ()
    force_not_null: tuple[str, ...] = ()
    enable_fk_creation: bool = True
    enforce_ignore_rule: bool = False
    allow_cross_schema: bool = False
    allow_cross_catalog: bool = False


@dataclass(frozen=True)
class Place:
    """Where a decision applies: logical names and the physical `schema.table.column`."""

    module: str
    entity: str
    schema: str
    table: str


@dataclass(frozen=True)
class ColumnDecision:
    place: Place
    attribute: str
    column: str
    signal: str
    make_not_null: bool
    requires_remediation: bool
    rationales: tuple[str, ...]
    null_count: int | None


@dataclass(frozen=True)
class UniqueDecision:
    place: Place
    index: str
    attributes: tuple[str, ...]
    columns: tuple[str, ...]
    signal: str
    enforce_unique: bool
    requires_remediation: bool
    rationales: tuple[str, ...]
    duplicate_rows: int | None


@dataclass(frozen=True)
class ReferenceDecision:
    place: Place
    attribute: str
    column: str
    referenced_schema: str
    referenced_table: str
    referenced_column: str | None
    signal: str
    create_fk: bool
    with_check: bool
    on_delete: FkAction
    existing_constraint: str | None
    requires_remediation: bool
    rationales: tuple[str, ...]
    orphan_count: int | None


@dataclass(frozen=True)
class Decisions:
    mode: str
    columns: tuple[ColumnDecision, ...]
    uniques: tuple[UniqueDecision, ...]
    references: tuple[ReferenceDecision, ...]


class _Evidence:
    """Profile rows indexed by (kind, schema, table, name), case-insensitively."""

    def __init__(self, rows: Iterable[Evidence]) -> None:
        self.rows = {
            (e.kind, e.schema.casefold(), e.table.casefold(), e.name.casefold()): e for e in rows
        }

    def get(self, kind: Kind, place: Place, name: str) -> Evidence | None:
        return self.rows.get(
            (kind, place.schema.casefold(), place.table.casefold(), name.casefold())
        )

    def candidates(self, place: Place, known: set[str]) -> list[Evidence]:
        """Unique evidence rows that are not indexes of the model (profile.unique_candidates)."""
        return [
            e
            for (k, s, t, n), e in sorted(self.rows.items())
            if k == "unique"
            and (s, t) == (place.schema.casefold(), place.table.casefold())
            and n not in known
        ]


def grade(evidence: Evidence | None, bad: int | None, accept_sampled: bool) -> Grade:
    """Missing evidence is never clean; duplicates or orphans found in a sample are real."""
    if evidence is None or evidence.status not in EVIDENCE_STATUSES or bad is None:
        return "missing"
    if bad > 0:
        return "dirty"
    if evidence.status == "sampled" and not accept_sampled:
        return "sampled"
    return "clean"


def _codes(
    kind: ConstraintKind, signal: str, mode: str, extra: Iterable[str] = ()
) -> tuple[Outcome, tuple[str, ...]]:
    outcome, codes = lookup(kind, signal, mode)
    return outcome, tuple(sorted({*codes, *extra, MODE_CODES[mode]}))


def _sampled_code(evidence: Evidence | None) -> tuple[str, ...]:
    return ("EVIDENCE_SAMPLED",) if evidence is not None and evidence.status == "sampled" else ()


# ---- unique indexes -------------------------------------------------------------------------


def _unique_signal(index: Index | None, g: Grade) -> str:
    if index is not None and not index.is_disabled:
        return "existing"
    return f"candidate_{g}"


def _unique_decisions(
    place: Place, entity: Entity, evidence: _Evidence, options: PolicyOptions
) -> list[UniqueDecision]:
    indexes = [i for i in entity.indexes if i.is_unique and i.kind != "PK"]
    by_column = {a.physical_name.casefold(): a.name for a in entity.attributes}
    items: list[tuple[str, Index | None, tuple[str, ...]]] = [
        (i.name, i, tuple(c.column for c in i.columns if not c.is_included)) for i in indexes
    ]
    known = {i.name.casefold() for i in indexes}
    items += [(e.name, None, tuple(e.columns)) for e in evidence.candidates(place, known)]
    out = []
    for name, index, columns in items:
        found = evidence.get("unique", place, name)
        g = grade(found, found.duplicate_groups if found else None, options.accept_sampled_evidence)
        signal = _unique_signal(index, g)
        outcome, codes = _codes("unique", signal, options.mode, _sampled_code(found))
        out.append(
            UniqueDecision(
                place,
                name,
                tuple(by_column.get(c.casefold(), c) for c in columns),
                columns,
                signal,
                outcome != "keep",
                outcome == "remediate",
                codes,
                found.duplicate_rows if found else None,
            )
        )
    return out


# ---- references ----------------------------------------------------------------------------


def _reference_signal(
    entity: Entity, attribute: Attribute, target: Entity | None, g: Grade, options: PolicyOptions
) -> str:
    ref = attribute.reference
    assert ref is not None
    if ref.has_db_constraint:
        if ref.is_trusted:
            return "existing_trusted"
        return "existing_untrusted_clean" if g == "clean" else "existing_untrusted_dirty"
    if target is None:
        return "target_missing"
    if not options.enable_fk_creation:
        return "creation_disabled"
    if (target.catalog or "") != (entity.catalog or "") and not options.allow_cross_catalog:
        return "cross_catalog"
    if target.schema.casefold() != entity.schema.casefold() and not options.allow_cross_schema:
        return "cross_schema"
    if ref.delete_rule == "Ignore":
        return "ignore_enforced" if options.enforce_ignore_rule and g == "clean" else "ignore"
    return f"rule_{g}"


def _existing_on_delete(entity: Entity, attribute: Attribute) -> FkAction | None:
    for fk in entity.foreign_keys:
        if [c.casefold() for c in fk.columns] == [attribute.physical_name.casefold()]:
            return fk.on_delete
    return None


def _reference_decision(
    place: Place,
    entity: Entity,
    attribute: Attribute,
    targets: dict[tuple[str, str], Entity],
    evidence: _Evidence,
    options: PolicyOptions,
) -> ReferenceDecision:
    ref = attribute.reference
    assert ref is not None
    target = targets.get((ref.schema.casefold(), ref.physical_name.casefold()))
    found = evidence.get("reference", place, attribute.name)
    g = grade(found, found.orphan_count if found else None, options.accept_sampled_evidence)
    signal = _reference_signal(entity, attribute, target, g, options)
    outcome, codes = _codes("foreign_key", signal, options.mode, _sampled_code(found))
    key = (
        next((a.physical_name for a in target.attributes if a.is_identifier), None)
        if target
        else None
    )
    on_delete = _existing_on_delete(entity, attribute) or ON_DELETE.get(
        ref.delete_rule, "NO_ACTION"
    )
    return ReferenceDecision(
        place,
        attribute.name,
        attribute.physical_name,
        ref.schema,
        ref.physical_name,
        key,
        signal,
        outcome != "keep",
        outcome in ("apply", "remediate"),
        on_delete,
        ref.constraint_name if ref.has_db_constraint else None,
        outcome == "remediate",
        codes,
        found.orphan_count if found else None,
    )


# ---- columns -------------------------------------------------------------------------------


def _column_signal(
    attribute: Attribute,
    key: str,
    pk: set[str],
    implied: set[str],
    found: Evidence | None,
    options: PolicyOptions,
) -> str:
    column = attribute.physical_name.casefold()
    nulls = found.null_count if found else None
    g = grade(found, nulls, options.accept_sampled_evidence)
    if column in pk or attribute.is_identifier:
        return "pk"
    if attribute.on_disk is not None and not attribute.on_disk.is_nullable:
        return "physical"
    if key in options.force_not_null:
        return "forced_clean" if g == "clean" else "forced_dirty"
    if key in options.keep_nullable:
        return "kept_nullable"
    if attribute.is_mandatory:
        # A budget is a fraction of the table: sampled counts only qualify once accepted, else
        # a cleaner sample could lose the constraint (monotonicity in evidence).
        within = (
            g == "dirty"
            and found is not None
            and nulls is not None
            and found.row_count
            and (found.status != "sampled" or options.accept_sampled_evidence)
            and nulls <= options.null_budget * found.row_count
        )
        return "candidate_budget" if within else f"candidate_{g}"
    if column in implied:
        return "implied_clean" if g == "clean" else "implied_other"
    return "not_candidate"


def _column_decisions(
    place: Place,
    module: str,
    entity: Entity,
    implied: set[str],
    evidence: _Evidence,
    options: PolicyOptions,
) -> list[ColumnDecision]:
    pk = {c.column.casefold() for i in entity.indexes if i.kind == "PK" for c in i.columns}
    out = []
    for attribute in entity.attributes:
        key = f"{module}::{entity.name}.{attribute.name}".casefold()
        found = evidence.get("column", place, attribute.physical_name)
        signal = _column_signal(attribute, key, pk, implied, found, options)
        extra = ["MANDATORY"] if attribute.is_mandatory and signal.startswith("candidate") else []
        outcome, codes = _codes("not_null", signal, options.mode, extra)
        out.append(
            ColumnDecision(
                place,
                attribute.name,
                attribute.physical_name,
                signal,
                outcome != "keep",
                outcome == "remediate",
                codes,
                found.null_count if found else None,
            )
        )
    return out


def _implied(
    uniques: Sequence[UniqueDecision], references: Sequence[ReferenceDecision]
) -> set[str]:
    """Sole columns of enforced unique indexes and columns of created FKs."""
    columns = {u.columns[0].casefold() for u in uniques if u.enforce_unique and len(u.columns) == 1}
    return columns | {r.column.casefold() for r in references if r.create_fk}


def check_overrides(model: Model, options: PolicyOptions) -> PolicyOptions:
    """Overrides name `Module::Entity.Attribute`; an unknown one is an error with a suggestion."""
    known = {
        f"{m.name}::{e.name}.{a.name}".casefold(): f"{m.name}::{e.name}.{a.name}"
        for m in model.modules
        for e in m.entities
        for a in e.attributes
    }
    for setting, items in (
        ("policy.keep_nullable", options.keep_nullable),
        ("policy.force_not_null", options.force_not_null),
    ):
        for k, item in enumerate(items):
            if item.casefold() not in known:
                hint = closest(item, sorted(known.values()))
                raise InputError(
                    f"{setting}[{k}]: {item!r} names no attribute of the model; "
                    f"expected Module::Entity.Attribute{hint}"
                )
    return PolicyOptions(
        **{
            **options.__dict__,
            "keep_nullable": tuple(i.casefold() for i in options.keep_nullable),
            "force_not_null": tuple(i.casefold() for i in options.force_not_null),
        }
    )


def decide(model: Model, evidence: Iterable[Evidence], options: PolicyOptions) -> Decisions:
    """Every decision, sorted by (schema, table, name) so input order never matters."""
    options = check_overrides(model, options)
    index = _Evidence(evidence)
    targets = {
        (e.schema.casefold(), e.physical_name.casefold()): e
        for m in model.modules
        for e in m.entities
    }
    columns: list[ColumnDecision] = []
    uniques: list[UniqueDecision] = []
    references: list[ReferenceDecision] = []
    for module in model.modules:
        for entity in module.entities:
            place = Place(module.name, entity.name, entity.schema, entity.physical_name)
            own_uniques = _unique_decisions(place, entity, index, options)
            own_refs = [
                _reference_decision(place, entity, a, targets, index, options)
                for a in entity.attributes
                if a.reference is not None
            ]
            columns += _column_decisions(
                place, module.name, entity, _implied(own_uniques, own_refs), index, options
            )
            uniques += own_uniques
            references += own_refs

    def where(place: Place, name: str) -> tuple[str, str, str]:
        return (place.schema.casefold(), place.table.casefold(), name.casefold())

    return Decisions(
        options.mode,
        tuple(sorted(columns, key=lambda d: where(d.place, d.column))),
        tuple(sorted(uniques, key=lambda d: where(d.place, d.index))),
        tuple(sorted(references, key=lambda d: where(d.place, d.column))),
    )

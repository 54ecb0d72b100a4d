"""SQL for operators from the decisions: the remediation pack and in-place tightening suggestions.

Both act on the *existing* database, so they name physical tables and columns; constraint names
are synthesised from emitted names (as the SSDT project names them). Nothing here is run by osddl.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from osddl.model.contract import Attribute, Entity, Model
from osddl.model.naming import constraint_name
from osddl.policy.decide import ColumnDecision, Decisions, Place, ReferenceDecision, UniqueDecision
from osddl.tsql import SENTINELS, family, qualified, quote, script, typed_literal

REVIEW = [
    "Review before running: osddl never runs this script.",
    "Generated from decisions.json; rerun `doit decide` after fixing the data.",
]


class _Lookup:
    def __init__(self, model: Model) -> None:
        self.entities = {
            (e.schema.casefold(), e.physical_name.casefold()): e
            for m in model.modules
            for e in m.entities
        }

    def entity(self, place: Place) -> Entity:
        return self.entities[(place.schema.casefold(), place.table.casefold())]

    def attribute(self, place: Place, column: str) -> Attribute:
        entity = self.entity(place)
        return next(a for a in entity.attributes if a.physical_name.casefold() == column.casefold())

    def emitted(self, schema: str, table: str) -> str:
        entity = self.entities.get((schema.casefold(), table.casefold()))
        return entity.emitted_name if entity else table


def _backfill(attribute: Attribute, sentinels: Mapping[str, str], where: str) -> str:
    """The column's own default when it has one, else the sentinel of its type family."""
    disk = attribute.on_disk
    if disk is not None and disk.default_definition:
        return disk.default_definition
    kind = family(attribute.sql_type)
    return typed_literal(sentinels.get(kind, SENTINELS[kind]), attribute.sql_type, where)


def null_backfills(decisions: Decisions, model: Model, sentinels: Mapping[str, str]) -> str:
    lookup = _Lookup(model)
    statements = []
    for d in decisions.columns:
        if d.requires_remediation:
            attribute = lookup.attribute(d.place, d.column)
            value = _backfill(attribute, sentinels, f"policy.sentinels ({attribute.sql_type})")
            statements.append(
                f"-- {d.place.module}::{d.place.entity}.{d.attribute}: "
                f"{d.null_count} NULL rows\nUPDATE {_table(d.place)} SET "
                f"{quote(d.column)} = {value} WHERE {quote(d.column)} IS NULL"
            )
    return script(["NULL back-fill for columns the policy makes NOT NULL.", *REVIEW], statements)


def _table(place: Place) -> str:
    return qualified(place.schema, place.table)


def duplicate_listings(decisions: Decisions) -> str:
    statements = []
    for d in decisions.uniques:
        if d.requires_remediation:
            keys = ", ".join(quote(c) for c in d.columns)
            present = " AND ".join(f"{quote(c)} IS NOT NULL" for c in d.columns)
            statements.append(
                f"-- {d.place.module}::{d.place.entity} {d.index}: {d.duplicate_rows} rows in "
                f"duplicate groups\nSELECT {keys}, COUNT(*) AS [Rows] FROM {_table(d.place)} "
                f"WHERE {present} GROUP BY {keys} HAVING COUNT(*) > 1 ORDER BY {keys}"
            )
    return script(["Duplicate keys that block a unique index.", *REVIEW], statements)


@dataclass(frozen=True)
class _Orphans:
    decision: ReferenceDecision
    child_key: str

    @property
    def join(self) -> str:
        d = self.decision
        parent = qualified(d.referenced_schema, d.referenced_table)
        key = quote(d.referenced_column or "Id")
        return (
            f"FROM {_table(d.place)} AS c LEFT JOIN {parent} AS p ON p.{key} = "
            f"c.{quote(d.column)} WHERE c.{quote(d.column)} IS NOT NULL AND p.{key} IS NULL"
        )


def orphan_fixes(decisions: Decisions, model: Model) -> str:
    lookup = _Lookup(model)
    statements = []
    for d in decisions.references:
        if not d.requires_remediation:
            continue
        attribute = lookup.attribute(d.place, d.column)
        entity = lookup.entity(d.place)
        child_key = next((a.physical_name for a in entity.attributes if a.is_identifier), d.column)
        orphans = _Orphans(d, child_key)
        label = f"{d.place.module}::{d.place.entity}.{d.attribute}: {d.orphan_count} orphan rows"
        statements.append(
            f"-- {label}\nSELECT c.{quote(child_key)}, c.{quote(d.column)} {orphans.join}"
        )
        if attribute.on_disk is None or attribute.on_disk.is_nullable:
            statements.append(
                f"-- option 1: clear the dangling reference\nUPDATE c SET "
                f"c.{quote(d.column)} = NULL {orphans.join}"
            )
        statements.append(f"-- option 2: delete the child rows\nDELETE c {orphans.join}")
        statements.append(
            f"-- option 3: map to a fallback parent (set the id first)\nUPDATE c SET "
            f"c.{quote(d.column)} = (SELECT MIN(f.{quote(d.referenced_column or 'Id')}"
            f") FROM {qualified(d.referenced_schema, d.referenced_table)} AS f) "
            f"{orphans.join}"
        )
    return script(
        ["Orphan rows that block a foreign key: list, then pick one fix per reference.", *REVIEW],
        statements,
    )


def _not_null(d: ColumnDecision, lookup: _Lookup) -> list[str]:
    if not d.make_not_null or d.signal in ("pk", "physical"):
        return []
    attribute = lookup.attribute(d.place, d.column)
    return [
        f"ALTER TABLE {_table(d.place)} ALTER COLUMN {quote(d.column)} "
        f"{attribute.sql_type} NOT NULL"
    ]


def _unique(d: UniqueDecision, lookup: _Lookup) -> list[str]:
    if not d.enforce_unique or d.signal == "existing":
        return []
    table = lookup.emitted(d.place.schema, d.place.table)
    entity = lookup.entity(d.place)
    names = {a.physical_name.casefold(): a.emitted_name for a in entity.attributes}
    name = constraint_name("UIX", table, *(names.get(c.casefold(), c) for c in d.columns))
    keys = ", ".join(f"{quote(c)} ASC" for c in d.columns)
    return [f"CREATE UNIQUE NONCLUSTERED INDEX {quote(name)} ON {_table(d.place)} ({keys})"]


ACTIONS = {
    "CASCADE": " ON DELETE CASCADE",
    "SET_NULL": " ON DELETE SET NULL",
    "SET_DEFAULT": " ON DELETE SET DEFAULT",
    "NO_ACTION": "",
}


def _foreign_key(d: ReferenceDecision, lookup: _Lookup) -> list[str]:
    """Create the FK with a check of existing rows; an untrusted one is dropped and re-created
    (same effect as `WITH CHECK CHECK CONSTRAINT`, in syntax every T-SQL parser accepts)."""
    if not d.create_fk or (d.existing_constraint is not None and not d.with_check):
        return []
    if d.existing_constraint is not None and d.signal == "existing_trusted":
        return []
    column = lookup.attribute(d.place, d.column).emitted_name
    name = d.existing_constraint or constraint_name(
        "FK",
        lookup.emitted(d.place.schema, d.place.table),
        lookup.emitted(d.referenced_schema, d.referenced_table),
        column,
    )
    drop = (
        [f"ALTER TABLE {_table(d.place)} DROP CONSTRAINT {quote(name)}"]
        if d.existing_constraint
        else []
    )
    return [
        *drop,
        f"ALTER TABLE {_table(d.place)} WITH CHECK ADD CONSTRAINT {quote(name)} "
        f"FOREIGN KEY ({quote(d.column)}) REFERENCES "
        f"{qualified(d.referenced_schema, d.referenced_table)} "
        f"({quote(d.referenced_column or 'Id')}){ACTIONS[d.on_delete]}",
    ]


def suggestions(decisions: Decisions, model: Model, remediation: bool) -> str:
    """ALTER statements that tighten the existing database in place (safe or after remediation)."""
    lookup = _Lookup(model)
    candidates: list[tuple[bool, list[str]]] = [
        *((d.requires_remediation, _not_null(d, lookup)) for d in decisions.columns),
        *((d.requires_remediation, _unique(d, lookup)) for d in decisions.uniques),
        *((d.requires_remediation, _foreign_key(d, lookup)) for d in decisions.references),
    ]
    statements = [s for needs, group in candidates if needs == remediation for s in group]
    title = (
        "Tightening that needs the remediation pack first (out/ssdt/Remediation/)."
        if remediation
        else "Tightening the data already supports."
    )
    return script([title, *REVIEW], statements)

"""SQL for operators from the decisions: the remediation pack and in-place tightening suggestions.

Both act on the *existing* database, so they name physical tables and columns; constraint names
are synthesised from emitted names (as the SSDT project names them). Nothing here is run by osddl.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from osddl.config import closest
from osddl.errors import InputError
from osddl.model.contract import Attribute, Entity, Model
from osddl.model.naming import constraint_name
from osddl.model.users import is_users_table
from osddl.policy.decide import ColumnDecision, Decisions, Place, ReferenceDecision, UniqueDecision
from osddl.selection import SelectionOptions, select
from osddl.tsql import SENTINELS, family, qualified, quote, script, typed_literal

REVIEW = [
    "Review before running: osddl never runs this script.",
    "Generated from decisions.json; rerun `doit decide` after fixing the data.",
]


def platform_tables(model: Model) -> set[tuple[str, str]]:
    """(schema, table), casefolded, of the tables the platform owns in every environment: the
    selection's platform members, the users table and the entities of system modules. Neither
    remediation nor suggestions touch them (spec 02, issue 11 item 8)."""
    selection = select(model, SelectionOptions())
    owned = [e for _, e in selection.platform]
    owned += [e for m in model.modules for e in m.entities if m.is_system]
    owned += [e for m in model.modules for e in m.entities if is_users_table(e.physical_name)]
    return {(e.schema.casefold(), e.physical_name.casefold()) for e in owned}


def own_decisions(decisions: Decisions, model: Model) -> Decisions:
    """The decisions on tables the application owns (platform tables left out)."""
    platform = platform_tables(model)

    def own(place: Place) -> bool:
        return (place.schema.casefold(), place.table.casefold()) not in platform

    return Decisions(
        decisions.mode,
        tuple(d for d in decisions.columns if own(d.place)),
        tuple(d for d in decisions.uniques if own(d.place)),
        tuple(d for d in decisions.references if own(d.place)),
    )


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
    for d in own_decisions(decisions, model).columns:
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


def duplicate_listings(decisions: Decisions, model: Model) -> str:
    statements = []
    for d in own_decisions(decisions, model).uniques:
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


def check_fallback_parents(model: Model, chosen: Mapping[str, str]) -> dict[str, str]:
    """`policy.fallback_parents` keys name reference attributes (`Module::Entity.Attribute`,
    case-insensitive); an unknown one is an error with a suggestion. Keys come back casefolded."""
    known = {
        f"{m.name}::{e.name}.{a.name}".casefold(): f"{m.name}::{e.name}.{a.name}"
        for m in model.modules
        for e in m.entities
        for a in e.attributes
        if a.reference is not None
    }
    for key in chosen:
        if key.casefold() not in known:
            hint = closest(key, sorted(known.values()))
            raise InputError(
                f"policy.fallback_parents: {key!r} names no reference attribute of the model; "
                f"expected Module::Entity.Attribute{hint}"
            )
    return {k.casefold(): v for k, v in chosen.items()}


def _fallback(d: ReferenceDecision, orphans: _Orphans, sql_type: str, chosen: str | None) -> str:
    """Option 3: the operator's chosen parent id (checked to exist), or how to choose one."""
    key = f"{d.place.module}::{d.place.entity}.{d.attribute}"
    parent = qualified(d.referenced_schema, d.referenced_table)
    parent_key = quote(d.referenced_column or "Id")
    if chosen is None:
        return (
            f"-- option 3: map to a fallback parent: pick an existing {parent}.{parent_key}, set "
            f'it in osddl.toml as [policy.fallback_parents] "{key}" = "<id>", rerun doit decide\n'
            f"SELECT TOP (20) f.{parent_key} FROM {parent} AS f ORDER BY f.{parent_key}"
        )
    value = typed_literal(chosen, sql_type, f"policy.fallback_parents[{key!r}]")
    return (
        f"-- option 3: map to the fallback parent {value} (policy.fallback_parents)\n"
        f"UPDATE c SET c.{quote(d.column)} = {value} {orphans.join} AND EXISTS "
        f"(SELECT 1 FROM {parent} AS f WHERE f.{parent_key} = {value})"
    )


def orphan_fixes(
    decisions: Decisions, model: Model, fallback_parents: Mapping[str, str] | None = None
) -> str:
    """Per reference that needs remediation: the orphan listing, then the fixes that apply:
    clear the reference (only when the same decisions leave the column nullable), delete the
    child rows, or map them to the operator's fallback parent (`policy.fallback_parents`)."""
    lookup = _Lookup(model)
    chosen = check_fallback_parents(model, fallback_parents or {})
    own = own_decisions(decisions, model)
    not_null = {
        (d.place.schema.casefold(), d.place.table.casefold(), d.column.casefold())
        for d in decisions.columns
        if d.make_not_null
    }
    statements = []
    for d in own.references:
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
        where = (d.place.schema.casefold(), d.place.table.casefold(), d.column.casefold())
        if where not in not_null:
            statements.append(
                f"-- option 1: clear the dangling reference\nUPDATE c SET "
                f"c.{quote(d.column)} = NULL {orphans.join}"
            )
        statements.append(f"-- option 2: delete the child rows\nDELETE c {orphans.join}")
        key = f"{d.place.module}::{d.place.entity}.{d.attribute}".casefold()
        statements.append(_fallback(d, orphans, attribute.sql_type, chosen.get(key)))
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
    decisions = own_decisions(decisions, model)
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

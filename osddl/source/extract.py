"""From OutSystems metadata rows and the physical catalog to a raw `Model`.

Queries: three metadata SELECTs plus the catalog reader's fixed set, whatever the entity count.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy.engine import Engine

from osddl.errors import InputError
from osddl.model.contract import (
    Attribute,
    DeleteRule,
    Entity,
    Index,
    Model,
    Module,
    OnDisk,
    Reference,
    Source,
)
from osddl.model.finish import ModelOptions, finish_model, select_modules
from osddl.model.users import USERS_ENTITY, USERS_MODULE, builtin_users_module, is_users_table
from osddl.source.catalog import ColumnFacts, TableCatalog, table_key
from osddl.source.engine import DEFAULT_SCHEMA, source_errors
from osddl.source.ossys import Rows, read_ossys
from osddl.source.physical import read_catalog

DELETE_RULES: dict[str, DeleteRule] = {
    "protect": "Protect",
    "delete": "Delete",
    "cascade": "Delete",
    "ignore": "Ignore",
    "setnull": "SetNull",
    "set null": "SetNull",
}
_BT_TYPE = re.compile(r"^bt(?P<module>[^*]+)\*(?P<entity>.+)$", re.IGNORECASE)


def flag(value: Any, default: bool) -> bool:
    """OutSystems booleans: bit, 0/1, '0'/'1', NULL → default (NULL Is_Active means active)."""
    if value is None:
        return default
    return str(value).strip().lower() in {"1", "true", "yes"}


def split_table_name(physical: str) -> tuple[str | None, str, str]:
    """`[cat].[billing].[T]` / `billing.T` / `T` → (catalog, schema, table); schema default dbo."""
    parts = [p.strip('[]"') for p in physical.split(".")]
    table, schema, catalog = parts[-1], parts[-2] if len(parts) > 1 else "dbo", None
    if len(parts) > 2:
        catalog = parts[-3]
    return catalog, schema, table


@dataclass(frozen=True)
class _Target:
    module: str
    entity: str
    schema: str
    table: str


class _Metadata:
    """The metadata rows indexed for lookups: entities by id and by (module key, entity key)."""

    def __init__(self, rows: Mapping[str, Rows]) -> None:
        self.espaces = {r["id"]: r for r in rows["ossys_Espace"]}
        self.entities = {r["id"]: r for r in rows["ossys_Entity"]}
        self.attributes: dict[Any, Rows] = defaultdict(list)
        for row in rows["ossys_Entity_Attr"]:
            self.attributes[row["entity_id"]].append(row)
        self.by_keys = {
            (
                str(self.espaces.get(e["espace_id"], {}).get("ss_key", "")).casefold(),
                str(e.get("ss_key") or "").casefold(),
            ): e
            for e in self.entities.values()
        }

    def target(self, entity_row: Mapping[str, Any]) -> _Target:
        _, schema, table = split_table_name(entity_row["physical_table_name"])
        if is_users_table(table):
            return _Target(USERS_MODULE, USERS_ENTITY, schema, table)
        module = self.espaces.get(entity_row["espace_id"], {}).get("name", "?")
        return _Target(str(module), entity_row["name"], schema, table)

    def resolve(self, attr: Mapping[str, Any]) -> _Target | None:
        """Referenced_Entity_Id, else the `bt<moduleKey>*<entityKey>` type text."""
        if attr.get("referenced_entity_id") in self.entities:
            return self.target(self.entities[attr["referenced_entity_id"]])
        match = _BT_TYPE.match(str(attr.get("type") or ""))
        if match:
            key = (match["module"].casefold(), match["entity"].casefold())
            if key in self.by_keys:
                return self.target(self.by_keys[key])
        return None

    def is_reference(self, attr: Mapping[str, Any]) -> bool:
        return attr.get("referenced_entity_id") is not None or bool(
            _BT_TYPE.match(str(attr.get("type") or ""))
        )


def _attribute(
    meta: _Metadata, row: Mapping[str, Any], entity: Mapping[str, Any], problems: list[str]
) -> Attribute:
    identifier = row.get("is_identifier")
    is_identifier = (
        flag(identifier, False)
        if identifier is not None
        else bool(row.get("ss_key")) and row.get("ss_key") == entity.get("primary_key_ss_key")
    )
    reference = None
    if meta.is_reference(row):
        target = meta.resolve(row)
        if target is None:
            problems.append(_unresolved(meta, row, entity))
        else:
            rule = DELETE_RULES.get(
                str(row.get("delete_rule") or "protect").strip().lower(), "Protect"
            )
            reference = Reference(
                module=target.module,
                entity=target.entity,
                physical_name=target.table,
                schema=target.schema,
                delete_rule=rule,
                has_db_constraint=False,
                constraint_name=None,
                is_trusted=None,
            )
    data_type = str(row.get("type") or "")
    return Attribute(
        name=row["name"],
        physical_name=row.get("physical_column_name") or row["name"].upper(),
        emitted_name="",
        data_type="Identifier" if reference else data_type,
        sql_type="",
        length=row.get("length"),
        precision=row.get("precision"),
        scale=row.get("scale"),
        default=row.get("default_value"),
        is_mandatory=flag(row.get("is_mandatory"), False),
        is_identifier=is_identifier,
        is_auto_number=flag(row.get("is_auto_number"), False),
        is_active=flag(row.get("is_active"), True),
        present_but_inactive=False,
        original_name=row.get("original_name"),
        external_db_type=row.get("external_column_type") or None,
        description=row.get("description") or None,
        reference=reference,
        on_disk=None,
    )


def _unresolved(meta: _Metadata, row: Mapping[str, Any], entity: Mapping[str, Any]) -> str:
    candidates = sorted(f"{meta.target(e).module}::{e['name']}" for e in meta.entities.values())
    return (
        f"ossys_Entity_Attr Id={row['id']} ({entity['name']}.{row['name']}): reference "
        f"target not found (Referenced_Entity_Id={row.get('referenced_entity_id')!r}, "
        f"Type={row.get('type')!r}); candidates: {', '.join(candidates[:20])}"
        f"{' ...' if len(candidates) > 20 else ''}"
    )


def _entity(meta: _Metadata, row: Mapping[str, Any], problems: list[str]) -> Entity:
    catalog_, schema, table = split_table_name(row["physical_table_name"])
    attrs = sorted(
        meta.attributes.get(row["id"], []),
        key=lambda a: (a.get("order_num") is None, a.get("order_num") or 0, a["id"]),
    )
    return Entity(
        name=row["name"],
        physical_name=table,
        emitted_name="",
        schema=schema,
        catalog=catalog_,
        ss_key=row.get("ss_key"),
        is_static=str(row.get("data_kind") or "").lower() == "staticentity",
        is_external=flag(row.get("is_external"), False),
        is_active=flag(row.get("is_active"), True),
        description=row.get("description") or None,
        attributes=[_attribute(meta, a, row, problems) for a in attrs],
    )


def metadata_modules(rows: Mapping[str, Rows]) -> tuple[list[Module], dict[str, list[str]]]:
    """Modules from metadata (no physical facts yet), and unresolved references per entity."""
    meta = _Metadata(rows)
    problems: dict[str, list[str]] = defaultdict(list)
    grouped: dict[str, list[Entity]] = defaultdict(list)
    for row in meta.entities.values():
        target = meta.target(row)
        entity = _entity(meta, row, problems[f"{target.module}::{row['name']}"])
        grouped[target.module].append(replace(entity, name=target.entity))
    modules = [
        Module(
            name=str(e["name"]),
            ss_key=e.get("ss_key"),
            is_system=flag(e.get("is_system"), False),
            is_active=flag(e.get("is_active"), True),
            entities=grouped.pop(str(e["name"]), []),
        )
        for e in meta.espaces.values()
    ]
    users = grouped.pop(USERS_MODULE, None) or builtin_users_module().entities
    modules = [m for m in modules if m.name != USERS_MODULE]
    modules.append(
        Module(name=USERS_MODULE, ss_key=None, is_system=True, is_active=True, entities=users)
    )
    return modules, problems


def _on_disk(facts: ColumnFacts) -> OnDisk:
    seed, increment = facts.identity or (None, None)
    return OnDisk(
        sql_type=facts.sql_type.name,
        length=facts.sql_type.length,
        precision=facts.sql_type.precision,
        scale=facts.sql_type.scale,
        is_nullable=facts.is_nullable,
        is_identity=facts.identity is not None,
        identity_seed=seed,
        identity_increment=increment,
        is_computed=facts.is_computed,
        computed_definition=facts.computed_definition,
        default_name=facts.default_name,
        default_definition=facts.default_definition,
        collation=facts.collation,
    )


def _with_reference_constraint(attr: Attribute, table: TableCatalog) -> Attribute:
    ref = attr.reference
    if ref is None:
        return attr
    for fk in table.foreign_keys:
        if (
            [c.casefold() for c in fk.columns] == [attr.physical_name.casefold()]
            and fk.referenced_table.casefold() == ref.physical_name.casefold()
            and fk.referenced_schema.casefold() == ref.schema.casefold()
        ):
            return replace(
                attr,
                reference=replace(
                    ref, has_db_constraint=True, constraint_name=fk.name, is_trusted=fk.is_trusted
                ),
            )
    return attr


def _index_with_attributes(
    index: Index, by_column: Mapping[str, Attribute], references: set[str]
) -> Index:
    columns = [
        replace(
            c,
            attribute=by_column[c.column.casefold()].name
            if c.column.casefold() in by_column
            else None,
        )
        for c in index.columns
    ]
    auto = (
        index.kind == "IX"
        and index.name.upper().startswith("OSIDX_")
        and len(columns) == 1
        and columns[0].column.casefold() in references
    )
    return replace(index, columns=columns, is_platform_auto=auto)


def with_physical(entity: Entity, table: TableCatalog | None) -> Entity:
    """Attach on-disk facts, real FK constraints, indexes and triggers to a metadata entity."""
    if table is None:
        return entity
    attrs = []
    for attr in entity.attributes:
        facts = table.column(attr.physical_name)
        disk = _on_disk(facts) if facts else None
        attrs.append(
            _with_reference_constraint(
                replace(
                    attr,
                    on_disk=disk,
                    present_but_inactive=not attr.is_active and disk is not None,
                ),
                table,
            )
        )
    by_column = {a.physical_name.casefold(): a for a in attrs}
    references = {a.physical_name.casefold() for a in attrs if a.reference}
    return replace(
        entity,
        attributes=attrs,
        foreign_keys=list(table.foreign_keys),
        triggers=list(table.triggers),
        indexes=[_index_with_attributes(i, by_column, references) for i in table.indexes],
    )


def _check_resolved(modules: Sequence[Module], problems: Mapping[str, list[str]]) -> None:
    found = [
        p for m in modules for e in m.entities for p in problems.get(f"{m.name}::{e.name}", [])
    ]
    if found:
        raise InputError("\n".join(found))


def extract_model(engine: Engine, options: ModelOptions, database: str | None) -> Model:
    """The model of the selected modules, read from the metadata tables and the catalog."""
    with source_errors(engine), engine.connect() as connection:
        modules, problems = metadata_modules(read_ossys(connection))
        selected = select_modules(modules, options)
        _check_resolved(selected, problems)
        wanted = [table_key(e.schema, e.physical_name) for m in selected for e in m.entities]
        default_schema = DEFAULT_SCHEMA.get(engine.dialect.name) or str(
            engine.dialect.default_schema_name
        )
        catalog = read_catalog(connection, wanted, default_schema)
    physical = [
        replace(
            m,
            entities=[
                with_physical(e, catalog.get(table_key(e.schema, e.physical_name)))
                for e in m.entities
            ],
        )
        for m in selected
    ]
    raw = Model(
        schema_version="osddl.model/1",
        source=Source(engine=engine.dialect.name, database=database),
        modules=physical,
    )
    return finish_model(raw, options, "model.json", attributes_ordered=True)

"""The shared last step of every model source: select, complete, type, name, order.

Both the ossys extractor and the Advanced SQL importer produce a raw `Model`; this step makes them
the same contract: module selection, the supplemental users entity, SQL Server types, emitted names
and the canonical order of model.json.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from osddl.config import closest
from osddl.errors import InputError
from osddl.model.contract import Attribute, Entity, Model, Module
from osddl.model.naming import NamingOptions, column_name, table_name
from osddl.model.types import (
    LogicalType,
    TypeTable,
    canonical_type,
    declared_sql_type,
    logical_sql_type,
    type_table,
)
from osddl.model.users import USERS_MODULE, builtin_users_module
from osddl.tsql.types import fit


@dataclass(frozen=True)
class ModelOptions:
    modules: Sequence[str] = ()
    include_system: bool = False
    include_inactive: bool = False
    include_inactive_attributes: bool = False
    allow_incomplete_entities: Sequence[str] = ()
    naming: NamingOptions = field(default_factory=NamingOptions)
    type_overrides: tuple[LogicalType, ...] = ()  # `model.type_mapping` rows


def sort_key(name: str) -> tuple[str, str]:
    """Case-insensitive, then ordinal: the one order for names everywhere in model.json."""
    return (name.casefold(), name)


def select_modules(modules: Sequence[Module], options: ModelOptions) -> list[Module]:
    """Apply the module filter; an unknown module name lists the known ones."""
    by_name = {m.name.casefold(): m for m in modules}
    wanted = list(dict.fromkeys(n.strip().casefold() for n in options.modules if n.strip()))
    for name in wanted:
        if name not in by_name:
            known = sorted((m.name for m in modules), key=sort_key)
            raise InputError(
                f"model.modules: unknown module '{name}'{closest(name, list(by_name))}; "
                f"known modules: {', '.join(known)}"
            )
    if wanted:
        chosen = [by_name[n] for n in wanted]
    else:
        chosen = [
            m
            for m in modules
            if (options.include_system or not m.is_system)
            and (options.include_inactive or m.is_active)
        ]
    users = [m for m in modules if m.name == USERS_MODULE]
    chosen += [m for m in users if m not in chosen]
    return [
        replace(m, entities=[e for e in m.entities if e.is_active or options.include_inactive])
        for m in chosen
    ]


def _without_inactive_attributes(module: Module, options: ModelOptions) -> Module:
    """Drop inactive attributes, but keep those whose column still exists (their data is real)."""
    return replace(
        module,
        entities=[
            replace(
                e,
                attributes=[
                    a
                    for a in e.attributes
                    if a.is_active or a.present_but_inactive or options.include_inactive_attributes
                ],
            )
            for e in module.entities
        ],
    )


def _identifier_types(modules: Sequence[Module]) -> dict[tuple[str, str], str]:
    """(schema, physical table) of every entity → the SQL type of its identifier."""
    found: dict[tuple[str, str], str] = {}
    for module in modules:
        for entity in module.entities:
            for attribute in entity.attributes:
                if attribute.is_identifier and attribute.sql_type:
                    found[(entity.schema.casefold(), entity.physical_name.casefold())] = (
                        attribute.sql_type
                    )
    return found


def _own_sql_type(attribute: Attribute, where: str, table: TypeTable | None = None) -> str:
    """The declared type (`declared_sql_type`) made valid on SQL Server: past a limit it becomes
    the largest valid type (the model report warns); a type SQL Server cannot have is an error."""
    declared = declared_sql_type(attribute, where, table)
    if declared is None:
        return ""  # the target's identifier type, filled in a second pass
    fitted = fit(declared)
    if fitted.impossible:
        raise InputError(
            f"{where} ({attribute.name}): type {fitted.problem}; fix the column type or the model"
        )
    return fitted.sql_type.render()


def _typed(modules: list[Module], source: str, table: TypeTable) -> list[Module]:
    def type_entity(e: Entity, mpath: str) -> Entity:
        attrs = [
            replace(
                a,
                data_type=canonical_type(a.data_type, f"{mpath}.attributes[{k}].dataType", table),
                sql_type=_own_sql_type(a, f"{mpath}.attributes[{k}]", table),
            )
            for k, a in enumerate(e.attributes)
        ]
        return replace(e, attributes=attrs)

    first = [
        replace(
            m,
            entities=[
                type_entity(e, f"{source} $.modules[{i}].entities[{j}]")
                for j, e in enumerate(m.entities)
            ],
        )
        for i, m in enumerate(modules)
    ]
    targets = _identifier_types(first)

    def reference_type(a: Attribute) -> Attribute:
        if a.sql_type or a.reference is None:
            return a
        key = (a.reference.schema.casefold(), a.reference.physical_name.casefold())
        fallback = logical_sql_type(a.data_type, None, None, None, a.name, table).render()
        return replace(a, sql_type=targets.get(key, fallback))

    return [
        replace(
            m,
            entities=[
                replace(e, attributes=[reference_type(a) for a in e.attributes]) for e in m.entities
            ],
        )
        for m in first
    ]


def _named(modules: list[Module], options: NamingOptions) -> list[Module]:
    return [
        replace(
            m,
            entities=[
                replace(
                    e,
                    emitted_name=table_name(
                        m.name,
                        e.name,
                        e.schema,
                        e.physical_name,
                        options,
                        platform=m.name == USERS_MODULE,
                    ),
                    attributes=[
                        replace(a, emitted_name=column_name(a.name, a.physical_name, options))
                        for a in e.attributes
                    ],
                )
                for e in m.entities
            ],
        )
        for m in modules
    ]


def _attribute_order(attributes: list[Attribute]) -> list[Attribute]:
    return sorted(attributes, key=lambda a: (not a.is_identifier, *sort_key(a.name)))


def _ordered(modules: list[Module], attributes_ordered: bool) -> list[Module]:
    def order_entity(e: Entity) -> Entity:
        return replace(
            e,
            attributes=e.attributes if attributes_ordered else _attribute_order(e.attributes),
            indexes=sorted(e.indexes, key=lambda x: sort_key(x.name)),
            foreign_keys=sorted(e.foreign_keys, key=lambda x: sort_key(x.name)),
            triggers=sorted(e.triggers, key=lambda x: sort_key(x.name)),
        )

    return sorted(
        (
            replace(
                m,
                entities=sorted(
                    (order_entity(e) for e in m.entities), key=lambda e: sort_key(e.name)
                ),
            )
            for m in modules
        ),
        key=lambda m: sort_key(m.name),
    )


def finish_model(
    model: Model, options: ModelOptions, source_label: str, attributes_ordered: bool = False
) -> Model:
    """Select, add the users entity, resolve types and names, and order: ready to validate."""
    modules = list(model.modules)
    if not any(m.name == USERS_MODULE for m in modules):
        modules.append(builtin_users_module())
    selected = [_without_inactive_attributes(m, options) for m in select_modules(modules, options)]
    chosen = _ordered(selected, attributes_ordered)
    typed = _typed(chosen, source_label, type_table(options.type_overrides))
    return replace(model, modules=_named(typed, options.naming))

"""The user-reference catalog: every (table, column) that holds user ids.

Pure: built from the typed model and the options. A column is catalogued when its attribute is a
logical reference to the users entity, when a physical FK points it at `ossys_User`, or when
`uat_users.include_columns` names it; `uat_users.exclude_columns` removes it whatever the reason.
Keyed by (schema, table, column), case-insensitively, never by column name alone.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Final

from osddl.config import closest
from osddl.errors import InputError
from osddl.export.snapshot import exported_attributes
from osddl.model.contract import Attribute, Entity, Model, Module
from osddl.model.users import USERS_ENTITY, USERS_MODULE, is_users_table
from osddl.uat_users.settings import UatUsersOptions

ColumnKey = tuple[str, str, str]  # (schema, table, column), case-folded

LOGICAL: Final = "logical reference"
INCLUDED: Final = "included"


@dataclass(frozen=True)
class CatalogColumn:
    schema: str
    table: str  # physical table name
    column: str  # physical column name
    module: str
    entity: str
    attribute: str
    sql_type: str
    emitted_table: str  # the table's name in the target (naming rules applied)
    emitted_column: str
    constraint: str | None  # name of the physical FK to ossys_User, when there is one
    logical: bool  # the model declares a reference to the users entity
    included: bool  # named by uat_users.include_columns

    @property
    def key(self) -> ColumnKey:
        return (self.schema.casefold(), self.table.casefold(), self.column.casefold())

    @property
    def table_id(self) -> str:
        return f"{self.schema}.{self.table}"

    @property
    def label(self) -> str:
        return f"{self.schema}.{self.table}.{self.column}"

    @property
    def target_label(self) -> str:
        """`schema.table.column` as the target database names it."""
        return f"{self.schema}.{self.emitted_table}.{self.emitted_column}"

    @property
    def reason(self) -> str:
        """What makes it a user reference: the FK name, else `logical reference`, else
        `included` (the form of `03_catalog.txt`)."""
        return self.constraint or (LOGICAL if self.logical else INCLUDED)


@dataclass(frozen=True)
class Catalog:
    columns: tuple[CatalogColumn, ...]  # sorted by key
    excluded: tuple[str, ...] = ()  # labels of user references removed by exclude_columns

    def get(self, table_id: str, column: str) -> CatalogColumn | None:
        schema, _, table = table_id.partition(".")
        wanted = (schema.casefold(), table.casefold(), column.casefold())
        return next((c for c in self.columns if c.key == wanted), None)

    def by_table(self) -> dict[str, list[CatalogColumn]]:
        """Columns grouped by `schema.table`, tables in catalog order."""
        out: dict[str, list[CatalogColumn]] = {}
        for column in self.columns:
            out.setdefault(column.table_id, []).append(column)
        return out

    def __len__(self) -> int:
        return len(self.columns)


def is_users_reference(attribute: Attribute) -> bool:
    reference = attribute.reference
    if reference is None:
        return False
    named = (reference.module.casefold(), reference.entity.casefold()) == (
        USERS_MODULE.casefold(),
        USERS_ENTITY.casefold(),
    )
    return named or is_users_table(reference.physical_name)


def _users_fks(entity: Entity) -> dict[str, str]:
    """Physical column (case-folded) → name of its single-column FK to ossys_User."""
    return {
        fk.columns[0].casefold(): fk.name
        for fk in sorted(entity.foreign_keys, key=lambda f: f.name.casefold())
        if len(fk.columns) == 1 and is_users_table(fk.referenced_table)
    }


def _places(model: Model) -> Iterator[tuple[Module, Entity, Attribute]]:
    """Every stored column of every application table (the users table itself excluded)."""
    for module in model.modules:
        for entity in module.entities:
            if is_users_table(entity.physical_name):
                continue
            for attribute in exported_attributes(entity):
                yield module, entity, attribute


def _names(module: Module, entity: Entity, attribute: Attribute) -> tuple[str, str]:
    return (
        f"{module.name}::{entity.name}.{attribute.name}".casefold(),
        f"{entity.schema}.{entity.physical_name}.{attribute.physical_name}".casefold(),
    )


def _resolve(model: Model, items: Sequence[str], setting: str) -> set[str]:
    """Names in a setting → the logical names they denote. A name in a module or table that this
    run did not extract (a narrower `model.modules`) is skipped; any other unknown name is an
    InputError."""
    known: dict[str, str] = {}
    for module, entity, attribute in _places(model):
        logical, physical = _names(module, entity, attribute)
        known[logical] = known[physical] = logical
    present = {
        name.casefold()
        for module in model.modules
        for entity in module.entities
        for name in (f"{module.name}::", f"{entity.schema}.{entity.physical_name}.")
    }
    shown = sorted(f"{m.name}::{e.name}.{a.name}" for m, e, a in _places(model))
    resolved: set[str] = set()
    for index, item in enumerate(items):
        name = item.strip().casefold()
        found = known.get(name)
        owner = name.split("::")[0] + "::" if "::" in name else name.rsplit(".", 1)[0] + "."
        if found is None and owner not in present:
            continue  # its module or table is not part of this run
        if found is None:
            raise InputError(
                f"{setting}[{index}]: {item!r} names no column of the model"
                f"{closest(item, shown)}; expected Module::Entity.Attribute or schema.table.column"
            )
        resolved.add(found)
    return resolved


def build_catalog(model: Model, options: UatUsersOptions) -> Catalog:
    """Every user-reference column of the model, sorted by (schema, table, column)."""
    include = _resolve(model, options.include_columns, "uat_users.include_columns")
    exclude = _resolve(model, options.exclude_columns, "uat_users.exclude_columns")
    columns: list[CatalogColumn] = []
    excluded: list[str] = []
    fks: dict[int, dict[str, str]] = {}
    for module, entity, attribute in _places(model):
        logical_name, _ = _names(module, entity, attribute)
        own = fks.setdefault(id(entity), _users_fks(entity))
        fk = own.get(attribute.physical_name.casefold())
        reference = attribute.reference
        if fk is None and reference is not None and is_users_reference(attribute):
            fk = reference.constraint_name if reference.has_db_constraint else None
        column = CatalogColumn(
            schema=entity.schema,
            table=entity.physical_name,
            column=attribute.physical_name,
            module=module.name,
            entity=entity.name,
            attribute=attribute.name,
            sql_type=attribute.sql_type,
            emitted_table=entity.emitted_name or entity.physical_name,
            emitted_column=attribute.emitted_name or attribute.physical_name,
            constraint=fk,
            logical=is_users_reference(attribute),
            included=logical_name in include,
        )
        if not (column.constraint or column.logical or column.included):
            continue
        if logical_name in exclude:
            excluded.append(column.label)
            continue
        columns.append(column)
    return Catalog(
        tuple(sorted(columns, key=lambda c: (c.key, c.label))),
        tuple(sorted(excluded, key=str.casefold)),
    )


def catalog_text(catalog: Catalog) -> str:
    """`03_catalog.txt`: `<schema>.<table>.<column> -- <constraint | logical reference |
    included>`, sorted, LF, trailing newline."""
    return "".join(f"{c.label} -- {c.reason}\n" for c in catalog.columns)

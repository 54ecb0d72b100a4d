"""model.json as typed dataclasses (`osddl.model/1`).

Python names are snake_case; JSON keys are the same names in camelCase. Every field is required in
JSON (null where unknown), so the JSON Schema generated from these classes is exact.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final, Literal

SCHEMA_VERSION: Final = "osddl.model/1"

DeleteRule = Literal["Protect", "Delete", "Ignore", "SetNull"]
IndexKind = Literal["PK", "UQ", "UIX", "IX"]
Direction = Literal["ASC", "DESC"]
FkAction = Literal["NO_ACTION", "CASCADE", "SET_NULL", "SET_DEFAULT"]


@dataclass(frozen=True)
class Source:
    engine: str
    database: str | None


@dataclass(frozen=True)
class Reference:
    module: str
    entity: str
    physical_name: str
    schema: str
    delete_rule: DeleteRule
    has_db_constraint: bool
    constraint_name: str | None
    is_trusted: bool | None


@dataclass(frozen=True)
class OnDisk:
    sql_type: str
    length: int | None
    precision: int | None
    scale: int | None
    is_nullable: bool
    is_identity: bool
    identity_seed: int | None
    identity_increment: int | None
    is_computed: bool
    computed_definition: str | None
    default_name: str | None
    default_definition: str | None
    collation: str | None


@dataclass(frozen=True)
class Attribute:
    name: str
    physical_name: str
    emitted_name: str
    data_type: str
    sql_type: str
    length: int | None
    precision: int | None
    scale: int | None
    default: str | None
    is_mandatory: bool
    is_identifier: bool
    is_auto_number: bool
    is_active: bool
    present_but_inactive: bool
    original_name: str | None
    external_db_type: str | None
    description: str | None
    reference: Reference | None
    on_disk: OnDisk | None


@dataclass(frozen=True)
class IndexColumn:
    attribute: str | None
    column: str
    direction: Direction
    is_included: bool


@dataclass(frozen=True)
class IndexOptions:
    fill_factor: int | None
    ignore_dup_key: bool
    pad_index: bool
    allow_row_locks: bool
    allow_page_locks: bool
    no_recompute: bool
    data_compression: str | None
    file_group: str | None


@dataclass(frozen=True)
class Index:
    name: str
    kind: IndexKind
    is_unique: bool
    is_platform_auto: bool
    is_disabled: bool
    filter: str | None
    columns: list[IndexColumn]
    options: IndexOptions


@dataclass(frozen=True)
class ForeignKey:
    name: str
    columns: list[str]
    referenced_schema: str
    referenced_table: str
    referenced_columns: list[str]
    on_delete: FkAction
    on_update: FkAction
    is_trusted: bool


@dataclass(frozen=True)
class Trigger:
    name: str
    is_disabled: bool
    definition: str


@dataclass(frozen=True)
class Entity:
    name: str
    physical_name: str
    emitted_name: str
    schema: str
    catalog: str | None
    ss_key: str | None
    is_static: bool
    is_external: bool
    is_active: bool
    description: str | None
    attributes: list[Attribute]
    indexes: list[Index] = field(default_factory=list)
    foreign_keys: list[ForeignKey] = field(default_factory=list)
    triggers: list[Trigger] = field(default_factory=list)


@dataclass(frozen=True)
class Module:
    name: str
    ss_key: str | None
    is_system: bool
    is_active: bool
    entities: list[Entity]


@dataclass(frozen=True)
class Model:
    schema_version: Literal["osddl.model/1"]
    source: Source
    modules: list[Module]


DEFAULT_INDEX_OPTIONS = IndexOptions(
    fill_factor=None,
    ignore_dup_key=False,
    pad_index=False,
    allow_row_locks=True,
    allow_page_locks=True,
    no_recompute=False,
    data_compression=None,
    file_group=None,
)

"""Import an "Advanced SQL" JSON export into the model.json contract.

OutSystems Cloud teams often cannot reach the database, so they run one query inside a server action
and download its JSON. Several generations of that query exist, so every field is read through a
table of alternative spellings and every value through a small normaliser, and each shape error
names the file and the JSONPath of the bad value. The importer does not name, type, filter or sort:
`emitted_name` and `sql_type` stay "" for `finish_model`, which treats every source alike.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn, TypeVar

from osddl.errors import InputError
from osddl.io import json_path, read_json_file
from osddl.model.contract import (
    DEFAULT_INDEX_OPTIONS,
    Attribute,
    DeleteRule,
    Direction,
    Entity,
    FkAction,
    ForeignKey,
    Index,
    IndexColumn,
    IndexKind,
    IndexOptions,
    Model,
    Module,
    OnDisk,
    Reference,
    Source,
    Trigger,
)
from osddl.model.sqltype import MAX, SQLSERVER_TYPES, SqlType, parse_sql_type
from osddl.model.validate import Finding

ENGINE = "advanced-sql-json"

T = TypeVar("T")
Part = str | int

# Every accepted spelling of a field, keyed by the one the code asks for; the first non-null wins.
# "a/b" is a nested key ({"a": {"b": ..}}); "a.b" is a flat key that contains a dot.
SPELLINGS: dict[str, tuple[str, ...]] = {
    "ssKey": ("ssKey", "SS_Key"),
    "id": ("id", "entityId"),
    "db_schema": ("db_schema", "dbSchema", "schema"),
    "db_catalog": ("db_catalog", "dbCatalog", "catalog"),
    "meta": ("meta", "description"),
    "dataType": ("dataType", "data_type"),
    "default": ("default", "defaultValue"),
    "external_dbType": ("external_dbType", "externalDbType"),
    "physical_isPresentButInactive": (
        "physical_isPresentButInactive",
        "isPresentButInactive",
        "presentButInactive",
    ),
    "refEntity_physicalName": ("refEntity_physicalName", "refEntityPhysicalName"),
    "refEntity_name": ("refEntity_name", "refEntityName"),
    "refEntityId": ("refEntityId", "refEntity_id"),
    "reference_deleteRuleCode": (
        "reference_deleteRuleCode",
        "deleteRuleCode",
        "reference_deleteRule",
        "deleteRule",
    ),
    "reference_hasDbConstraint": ("reference_hasDbConstraint", "hasDbConstraint"),
    "sqlType": ("sqlType", "typeName"),
    "maxLength": ("maxLength", "length"),
    "defaultName": ("defaultName", "defaultConstraintName"),
    "owner.physical": ("owner.physical", "owner/physical"),
    "referenced.physical": ("referenced.physical", "referenced/physical"),
    "physicalColumn": ("physicalColumn", "column"),
    "filterDefinition": ("filterDefinition", "filter"),
    "fill_factor": ("fill_factor", "fillFactor"),
    "isPadded": ("isPadded", "padIndex"),
    "dataCompression": ("dataCompression", "data_compression"),
}

BOOLEANS: dict[Any, bool] = {
    True: True,
    "1": True,
    "true": True,
    False: False,
    "0": False,
    "false": False,
}
DELETE_RULES: dict[str, DeleteRule] = {
    "protect": "Protect",
    "restrict": "Protect",
    "noaction": "Protect",
    "delete": "Delete",
    "cascade": "Delete",
    "ignore": "Ignore",
    "setnull": "SetNull",
}
FK_ACTIONS: dict[str, FkAction] = {
    "noaction": "NO_ACTION",
    "cascade": "CASCADE",
    "setnull": "SET_NULL",
    "setdefault": "SET_DEFAULT",
}
FK_ACTION_NAMES = "NO_ACTION, CASCADE, SET_NULL or SET_DEFAULT"
# Words real exports write where a physical `onDelete` action belongs: OutSystems delete rules
# (Protect, Delete, Ignore) and another engine's RESTRICT. Read as the action SQL Server enforces
# for them (an Ignore reference has no cascading action), each with a warning.
DELETE_RULE_ACTIONS: dict[str, FkAction] = {
    "protect": "NO_ACTION",
    "restrict": "NO_ACTION",
    "ignore": "NO_ACTION",
    "delete": "CASCADE",
}
DIRECTIONS: dict[str, Direction] = {
    "asc": "ASC",
    "ascending": "ASC",
    "desc": "DESC",
    "descending": "DESC",
}
INDEX_KINDS: dict[str, IndexKind] = {"pk": "PK", "uq": "UQ", "uix": "UIX", "ix": "IX"}
# Flags that imply an index kind when `kind` is absent, strongest first.
KIND_FLAGS: tuple[tuple[str, IndexKind], ...] = (
    ("isPrimary", "PK"),
    ("isUniqueConstraint", "UQ"),
    ("isUnique", "UIX"),
)
# Which arguments each SQL Server type style keeps (see sqltype.SQLSERVER_TYPES).
TYPE_ARGUMENTS: dict[str, frozenset[str]] = {
    "length": frozenset({"length"}),
    "precision_scale": frozenset({"precision", "scale"}),
    "scale": frozenset({"scale"}),
    "": frozenset(),
}
TARGET_KEYS = ("refEntity_physicalName", "refEntity_name", "refEntityId")
_ONE_OF_TARGET_KEYS = "one of refEntity_physicalName, refEntity_name or refEntityId"

TABLE_NAME = "the table name"
ENTITY_NAME = "the entity name"
MODULE_NAME = "the module name"


@dataclass(frozen=True)
class _Obj:
    """A JSON object and where it sits, so any error can name the file and the JSONPath."""

    file: Path
    path: tuple[Part, ...]
    raw: dict[str, Any]
    warnings: list[Finding] = field(default_factory=list, compare=False)  # shared by children

    def at(self, rel: tuple[Part, ...], raw: dict[str, Any]) -> _Obj:
        """The object at `rel` below this one (it reports into the same warnings)."""
        return _Obj(self.file, self.path + rel, raw, self.warnings)

    def where(self, rel: tuple[Part, ...] = ()) -> str:
        return f"{self.file} {json_path(self.path + rel)}"

    def fail(self, rel: tuple[Part, ...], what: str, expected: str) -> NoReturn:
        raise InputError(f"{self.where(rel)}: {what}; expected {expected}")

    def warn(self, rel: tuple[Part, ...], what: str) -> None:
        self.warnings.append(Finding("warning", self.where(rel), what))


@dataclass(frozen=True)
class _Target:
    """An entity that a reference may point at (every entity in the file, or the users table)."""

    module: str
    entity: str
    physical_name: str
    schema: str
    ident: str | None


USERS = _Target("Users", "User", "ossys_User", "dbo", None)


@dataclass(frozen=True)
class _Scope:
    """What an attribute needs to build its reference: all targets, its module, its entity's FKs."""

    targets: list[_Target]
    module: str
    foreign_keys: list[ForeignKey]


def import_advanced_sql(path: Path, warnings: list[Finding] | None = None) -> Model:
    """Read an Advanced SQL JSON export and normalise it into the contract (unnamed, unsorted).
    Variants read with a change of spelling that matters (a delete rule where an action belongs)
    are appended to `warnings`, each with the file and JSONPath."""
    payload = read_json_file(path)
    if not isinstance(payload, dict):
        _Obj(path, (), {}).fail(
            (), f"{_show(payload)} is not an object", 'an object with "modules"'
        )
    root = _Obj(path, (), payload, [] if warnings is None else warnings)
    modules = _objects(root, "modules", "module")
    targets = [_target(e, _name(m, MODULE_NAME)) for m in modules for e in _entities(m)]
    return Model(
        schema_version="osddl.model/1",  # == SCHEMA_VERSION, spelled as its Literal type
        source=Source(engine=ENGINE, database=None),
        modules=[_module(m, targets) for m in modules],
    )


# --- reading values -------------------------------------------------------------------------------


def _show(value: Any) -> str:
    """The bad value as the operator wrote it (JSON spelling), shortened."""
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "an array"
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "..."


def _dig(raw: dict[str, Any], rel: tuple[str, ...]) -> Any:
    value: Any = raw
    for part in rel:
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _lookup(obj: _Obj, key: str) -> tuple[tuple[Part, ...], Any]:
    """The first non-null spelling of `key` and its relative path; else the first spelling, None."""
    spellings = SPELLINGS.get(key, (key,))
    for spelling in spellings:
        rel = tuple(spelling.split("/"))
        value = _dig(obj.raw, rel)
        if value is not None:
            return rel, value
    return tuple(spellings[0].split("/")), None


def _absent(obj: _Obj, rel: tuple[Part, ...]) -> str:
    """'missing' or 'null', so the operator knows whether to add the key or fill it."""
    parent = _dig(obj.raw, tuple(str(p) for p in rel[:-1]))
    return "null" if isinstance(parent, dict) and rel[-1] in parent else "missing"


def _text(obj: _Obj, key: str) -> str | None:
    """An optional string; blank means absent (exports write '' for 'no value')."""
    rel, value = _lookup(obj, key)
    if value is None:
        return None
    if not isinstance(value, str):
        obj.fail(rel, f"{_show(value)} is not a string", "a string or null")
    return value if value.strip() else None


def _required(obj: _Obj, key: str, expected: str, blank_ok: bool = False) -> str:
    """A string the model cannot do without; blank is refused unless a later check reports it."""
    rel, value = _lookup(obj, key)
    if value is None:
        obj.fail(rel, _absent(obj, rel), expected)
    if not isinstance(value, str):
        obj.fail(rel, f"{_show(value)} is not a string", expected)
    if not value.strip() and not blank_ok:
        obj.fail(rel, f"{_show(value)} is blank", expected)
    return value


def _name(obj: _Obj, expected: str) -> str:
    return _required(obj, "name", expected)


def _flag(obj: _Obj, key: str, default: bool) -> bool:
    """true/1/"1"/"true" or false/0/"0"/"false"; null or absent gives the field's default."""
    rel, value = _lookup(obj, key)
    if value is None:
        return default
    probe = value.strip().lower() if isinstance(value, str) else value
    found = BOOLEANS.get(probe) if isinstance(probe, str | int | float) else None
    if found is None:
        obj.fail(rel, f"{_show(value)} is not a boolean", 'true/false, 1/0, "1"/"0" or null')
    return found


def _int(obj: _Obj, key: str) -> int | None:
    """A whole number, also when written as "85" or 85.0; null stays None."""
    rel, value = _lookup(obj, key)
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    digits = value.strip().lstrip("-") if isinstance(value, str) else ""
    if digits.isdigit() and len(digits) <= 18:  # int() of thousands of digits is refused
        return int(digits) * (-1 if value.strip().startswith("-") else 1)
    obj.fail(rel, f"{_show(value)} is not a whole number", "a whole number or null")


def _ident(obj: _Obj, key: str) -> str | None:
    """An entity id as text, so 7 and "7" match."""
    rel, value = _lookup(obj, key)
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool) or not isinstance(value, int | str):
        obj.fail(rel, f"{_show(value)} is not an id", "a number, a string or null")
    return str(value).strip()


def _squash(text: str) -> str:
    """'Set Null', 'SET_NULL' and 'setnull' are one word for the lookup tables."""
    return "".join(ch for ch in text.casefold() if ch.isalnum())


def _choice(obj: _Obj, key: str, table: Mapping[str, T], default: T, expected: str) -> T:
    """A value from a vocabulary, compared case- and separator-insensitively."""
    rel, value = _lookup(obj, key)
    if value is None:
        return default
    found = table.get(_squash(value)) if isinstance(value, str) else None
    if found is None:
        obj.fail(rel, f"{_show(value)} is not a known value", expected)
    return found


def _child(obj: _Obj, key: str, expected: str) -> _Obj | None:
    rel, value = _lookup(obj, key)
    if value is None:
        return None
    if not isinstance(value, dict):
        obj.fail(rel, f"{_show(value)} is not an object", expected)
    return obj.at(rel, value)


def _objects(obj: _Obj, key: str, noun: str, required: bool = True) -> list[_Obj]:
    """An array of objects; an optional array may be absent or null."""
    rel, value = _lookup(obj, key)
    if value is None and not required:
        return []
    if value is None:
        obj.fail(rel, _absent(obj, rel), f"an array of {noun} objects")
    if not isinstance(value, list):
        obj.fail(rel, f"{_show(value)} is not an array", f"an array of {noun} objects")
    article = "an" if noun[:1] in "aeiou" else "a"
    for i, item in enumerate(value):
        if not isinstance(item, dict):
            obj.fail((*rel, i), f"{_show(item)} is not an object", f"{article} {noun} object")
    return [obj.at((*rel, i), item) for i, item in enumerate(value)]


def _by_ordinal(items: list[_Obj]) -> list[_Obj]:
    """Items in `ordinal` order; items without one keep their position after the numbered ones."""
    keyed = [(_int(item, "ordinal"), position, item) for position, item in enumerate(items)]
    keyed.sort(key=lambda k: (k[0] is None, k[0] or 0, k[1]))
    return [item for _, _, item in keyed]


# --- modules, entities, attributes ----------------------------------------------------------------


def _entities(module: _Obj) -> list[_Obj]:
    return _objects(module, "entities", "entity")


def _target(entity: _Obj, module: str) -> _Target:
    return _Target(
        module=module,
        entity=_name(entity, ENTITY_NAME),
        physical_name=_required(entity, "physicalName", TABLE_NAME),
        schema=_text(entity, "db_schema") or "dbo",
        ident=_ident(entity, "id"),
    )


def _module(obj: _Obj, targets: list[_Target]) -> Module:
    name = _name(obj, MODULE_NAME)
    return Module(
        name=name,
        ss_key=_text(obj, "ssKey"),
        is_system=_flag(obj, "isSystem", False),
        is_active=_flag(obj, "isActive", True),
        entities=[_entity(e, name, targets) for e in _entities(obj)],
    )


def _entity(obj: _Obj, module: str, targets: list[_Target]) -> Entity:
    """One table; its FKs are read first because references take their constraint from them."""
    foreign_keys = _foreign_keys(obj)
    scope = _Scope(targets, module, foreign_keys)
    return Entity(
        name=_name(obj, ENTITY_NAME),
        physical_name=_required(obj, "physicalName", TABLE_NAME),
        emitted_name="",
        schema=_text(obj, "db_schema") or "dbo",
        catalog=_text(obj, "db_catalog"),
        ss_key=_text(obj, "ssKey"),
        is_static=_flag(obj, "isStatic", False),
        is_external=_flag(obj, "isExternal", False),
        is_active=_flag(obj, "isActive", True),
        description=_description(obj),
        attributes=[_attribute(a, scope) for a in _objects(obj, "attributes", "attribute")],
        indexes=[_index(i) for i in _objects(obj, "indexes", "index", required=False)],
        foreign_keys=foreign_keys,
        triggers=[_trigger(t) for t in _objects(obj, "triggers", "trigger", required=False)],
    )


def _description(obj: _Obj) -> str | None:
    """`meta` is either the description itself or an object holding it."""
    rel, value = _lookup(obj, "meta")
    if isinstance(value, dict):
        return _text(obj.at(rel, value), "description")
    return _text(obj, "meta")


def _attribute(obj: _Obj, scope: _Scope) -> Attribute:
    physical = _required(obj, "physicalName", "the column name")
    return Attribute(
        name=_name(obj, "the attribute name"),
        physical_name=physical,
        emitted_name="",
        data_type=_required(obj, "dataType", "the OutSystems data type, e.g. Text", blank_ok=True),
        sql_type="",
        length=_int(obj, "length"),
        precision=_int(obj, "precision"),
        scale=_int(obj, "scale"),
        default=_default(obj),
        is_mandatory=_flag(obj, "isMandatory", False),
        is_identifier=_flag(obj, "isIdentifier", False),
        is_auto_number=_flag(obj, "isAutoNumber", False),
        is_active=_flag(obj, "isActive", True),
        present_but_inactive=_flag(obj, "physical_isPresentButInactive", False),
        original_name=_text(obj, "originalName"),
        external_db_type=_text(obj, "external_dbType"),
        description=_description(obj),
        reference=_reference(obj, physical, scope),
        on_disk=_on_disk(obj),
    )


def _default(obj: _Obj) -> str | None:
    """OutSystems keeps defaults as text; a number written as JSON is the same default."""
    _, value = _lookup(obj, "default")
    if isinstance(value, int | float) and not isinstance(value, bool):
        return json.dumps(value)
    return _text(obj, "default")


# --- physical column ------------------------------------------------------------------------------


def _on_disk(obj: _Obj) -> OnDisk | None:
    disk = _child(obj, "onDisk", "the physical column object or null")
    if disk is None:
        return None
    sql = _sized_type(disk)
    identity = _flag(disk, "isIdentity", False)
    return OnDisk(
        sql_type=sql.name,
        length=sql.length,
        precision=sql.precision,
        scale=sql.scale,
        is_nullable=_flag(disk, "isNullable", True),
        is_identity=identity,
        identity_seed=_identity_step(disk, "identitySeed", identity),
        identity_increment=_identity_step(disk, "identityIncrement", identity),
        is_computed=_flag(disk, "isComputed", False),
        computed_definition=_text(disk, "computedDefinition"),
        default_name=_text(disk, "defaultName"),
        default_definition=_text(disk, "defaultDefinition"),
        collation=_text(disk, "collation"),
    )


def _sized_type(disk: _Obj) -> SqlType:
    """The type with only the arguments it takes: catalogs report precision 10 for int, etc."""
    rel, _ = _lookup(disk, "sqlType")
    text = _required(disk, "sqlType", "the SQL Server type name, e.g. nvarchar")
    parsed = parse_sql_type(text, where=disk.where(rel))
    keep = TYPE_ARGUMENTS[SQLSERVER_TYPES[parsed.name]]
    length = _max_length(disk) if parsed.length is None else parsed.length
    precision = _int(disk, "precision") if parsed.precision is None else parsed.precision
    scale = _int(disk, "scale") if parsed.scale is None else parsed.scale
    return SqlType(
        parsed.name,
        length=length if "length" in keep else None,
        precision=precision if "precision" in keep else None,
        scale=scale if "scale" in keep else None,
    )


def _max_length(disk: _Obj) -> int | None:
    """Catalogs write (max) as -1."""
    length = _int(disk, "maxLength")
    return MAX if length == -1 else length


def _identity_step(disk: _Obj, key: str, identity: bool) -> int | None:
    """Seed/increment only mean something on an identity column, where SQL Server defaults 1."""
    if not identity:
        return None
    value = _int(disk, key)
    return 1 if value is None else value


# --- references -----------------------------------------------------------------------------------


def _reference(obj: _Obj, column: str, scope: _Scope) -> Reference | None:
    """The logical reference; a missing isReference means 'a reference when a target is named'."""
    names_target = any(_lookup(obj, key)[1] is not None for key in TARGET_KEYS)
    if not _flag(obj, "isReference", names_target):
        return None
    target = _resolve(obj, scope)
    fk = _constraint_for(scope.foreign_keys, column, target)
    return Reference(
        module=target.module,
        entity=target.entity,
        physical_name=target.physical_name,
        schema=target.schema,
        delete_rule=_choice(
            obj,
            "reference_deleteRuleCode",
            DELETE_RULES,
            "Protect",
            "Protect, Delete, Ignore or SetNull",
        ),
        has_db_constraint=_flag(obj, "reference_hasDbConstraint", fk is not None),
        constraint_name=None if fk is None else fk.name,
        is_trusted=None if fk is None else fk.is_trusted,
    )


def _find_target(
    targets: list[_Target], module: str, physical: str | None, name: str | None, ident: str | None
) -> _Target | None:
    """Physical name first (unique per database), then entity name (own module first), then id."""
    by_physical = [
        t for t in targets if physical and t.physical_name.casefold() == physical.casefold()
    ]
    named = [t for t in targets if name and t.entity.casefold() == name.casefold()]
    by_name = sorted(named, key=lambda t: t.module != module)
    by_id = [t for t in targets if ident is not None and t.ident == ident]
    return next(iter(by_physical + by_name + by_id), None)


def _resolve(obj: _Obj, scope: _Scope) -> _Target:
    physical = _text(obj, "refEntity_physicalName")
    name = _text(obj, "refEntity_name")
    ident = _ident(obj, "refEntityId")
    found = _find_target(scope.targets, scope.module, physical, name, ident)
    if found is not None:
        return found
    if (name or "").casefold() == "user" or (physical or "").casefold() == "ossys_user":
        return USERS
    if not (physical or name or ident):
        obj.fail((), "isReference is set but no target is named", _ONE_OF_TARGET_KEYS)
    raise InputError(f"{obj.where()}: {_unresolved(physical, name, ident, scope.targets)}")


def _unresolved(
    physical: str | None, name: str | None, ident: str | None, targets: list[_Target]
) -> str:
    label = " ".join(
        part
        for part in (
            f"'{physical}'" if physical else "",
            f"(entity '{name}')" if name else "",
            f"(id {ident})" if ident and not (physical or name) else "",
        )
        if part
    )
    known = sorted({t.physical_name for t in targets}, key=lambda n: (n.casefold(), n))
    return f"reference target {label} not found; known entities: {', '.join(known)}"


def _constraint_for(fks: list[ForeignKey], column: str, target: _Target) -> ForeignKey | None:
    """The FK on this column; one that points at the target's table wins over any other."""
    owned = [fk for fk in fks if column.casefold() in {c.casefold() for c in fk.columns}]
    aimed = [
        fk for fk in owned if fk.referenced_table.casefold() == target.physical_name.casefold()
    ]
    return next(iter(aimed + owned), None)


# --- foreign keys, indexes, triggers --------------------------------------------------------------


def _foreign_keys(entity: _Obj) -> list[ForeignKey]:
    relationships = _objects(entity, "relationships", "relationship", required=False)
    constraints = [
        c for r in relationships for c in _objects(r, "actualConstraints", "constraint", False)
    ]
    return [_foreign_key(c) for c in constraints]


def _foreign_key(obj: _Obj) -> ForeignKey:
    pairs = [
        (
            _required(c, "owner.physical", "the owning column name"),
            _required(c, "referenced.physical", "the referenced column name"),
        )
        for c in _by_ordinal(_objects(obj, "columns", "constraint column"))
    ]
    return ForeignKey(
        name=_name(obj, "the constraint name"),
        columns=[owner for owner, _ in pairs],
        referenced_schema=_text(obj, "referencedSchema") or "dbo",
        referenced_table=_required(obj, "referencedTable", "the referenced table name"),
        referenced_columns=[referenced for _, referenced in pairs],
        on_delete=_on_delete(obj),
        on_update=_choice(obj, "onUpdate", FK_ACTIONS, "NO_ACTION", FK_ACTION_NAMES),
        is_trusted=_flag(obj, "isTrusted", not _flag(obj, "isNotTrusted", False)),
    )


def _on_delete(obj: _Obj) -> FkAction:
    """The physical action; a delete-rule word there is read as its action, with a warning."""
    rel, value = _lookup(obj, "onDelete")
    action = DELETE_RULE_ACTIONS.get(_squash(value)) if isinstance(value, str) else None
    if action is None:
        expected = f"{FK_ACTION_NAMES} (or a delete rule: Protect, Delete, Ignore)"
        return _choice(obj, "onDelete", FK_ACTIONS, "NO_ACTION", expected)
    obj.warn(rel, f"{_show(value)} is a delete rule, not a foreign key action; read as {action}")
    return action


def _index(obj: _Obj) -> Index:
    kind = _choice(obj, "kind", INDEX_KINDS, _derived_kind(obj), "PK, UQ, UIX or IX")
    return Index(
        name=_name(obj, "the index name"),
        kind=kind,
        is_unique=_flag(obj, "isUnique", kind != "IX"),
        is_platform_auto=_flag(obj, "isPlatformAuto", False),
        is_disabled=_flag(obj, "isDisabled", False),
        filter=_text(obj, "filterDefinition"),
        columns=[_index_column(c) for c in _by_ordinal(_objects(obj, "columns", "index column"))],
        options=_index_options(obj),
    )


def _derived_kind(obj: _Obj) -> IndexKind:
    kinds = (kind for key, kind in KIND_FLAGS if _flag(obj, key, False))
    return next(kinds, "IX")


def _index_column(obj: _Obj) -> IndexColumn:
    return IndexColumn(
        attribute=_text(obj, "attribute"),
        column=_required(obj, "physicalColumn", "the column name"),
        direction=_choice(obj, "direction", DIRECTIONS, "ASC", "ASC/DESC or Ascending/Descending"),
        is_included=_flag(obj, "isIncluded", False),
    )


def _index_options(obj: _Obj) -> IndexOptions:
    """Options as written; absent keys take SQL Server's defaults (fill factor 0 means default)."""
    base = DEFAULT_INDEX_OPTIONS
    return IndexOptions(
        fill_factor=_int(obj, "fill_factor") or base.fill_factor,
        ignore_dup_key=_flag(obj, "ignoreDupKey", base.ignore_dup_key),
        pad_index=_flag(obj, "isPadded", base.pad_index),
        allow_row_locks=_flag(obj, "allowRowLocks", base.allow_row_locks),
        allow_page_locks=_flag(obj, "allowPageLocks", base.allow_page_locks),
        no_recompute=_flag(obj, "noRecompute", base.no_recompute),
        data_compression=_compression(obj) or base.data_compression,
        file_group=_file_group(obj) or base.file_group,
    )


def _compression(obj: _Obj) -> str | None:
    """One value when every partition agrees, else `1:PAGE,2:ROW` by partition number."""
    partitions = _objects(obj, "dataCompression", "partition compression", required=False)
    pairs = sorted(_partition_compression(p, position + 1) for position, p in enumerate(partitions))
    values = {value for _, value in pairs}
    if len(values) <= 1:
        return next(iter(values), None)
    return ",".join(f"{number}:{value}" for number, value in pairs)


def _partition_compression(obj: _Obj, position: int) -> tuple[int, str]:
    number = _int(obj, "partition")
    value = _required(obj, "compression", "NONE, ROW or PAGE").strip().upper()
    return (position if number is None else number), value


def _file_group(obj: _Obj) -> str | None:
    """The data space; a partition scheme also names its columns: `PS_Name(COL1,COL2)`."""
    space = _child(obj, "dataSpace", "the data space object or null")
    name = None if space is None else _text(space, "name")
    if space is None or name is None or (_text(space, "type") or "").upper() != "PARTITION_SCHEME":
        return name
    columns = _by_ordinal(_objects(obj, "partitionColumns", "partition column", False))
    names = [_name(c, "the partition column name") for c in columns]
    return f"{name}({','.join(names)})" if names else name


def _trigger(obj: _Obj) -> Trigger:
    return Trigger(
        name=_name(obj, "the trigger name"),
        is_disabled=_flag(obj, "isDisabled", False),
        definition=_required(obj, "definition", "the CREATE TRIGGER text"),
    )

"""Table plans: everything a table script needs, already rendered by `osddl.tsql`.

The templates own layout only; identifiers, types, literals and constraint clauses are decided here,
from model.json and decisions.json.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from osddl.errors import InputError
from osddl.layout import module_folder
from osddl.model.contract import Attribute, Entity, Index, Module
from osddl.model.identity import identity
from osddl.model.naming import constraint_name
from osddl.model.sqltype import parse_sql_type
from osddl.policy.contract import DecidedReference, DecidedUnique, DecisionsDocument
from osddl.selection import Selection
from osddl.tsql import literal, qualified, quote, string

# Index options in the order T-SQL lists them, with the default that is never written.
INDEX_OPTIONS: tuple[tuple[str, str, object], ...] = (
    ("pad_index", "PAD_INDEX", False),
    ("fill_factor", "FILLFACTOR", None),
    ("ignore_dup_key", "IGNORE_DUP_KEY", False),
    ("no_recompute", "STATISTICS_NORECOMPUTE", False),
    ("allow_row_locks", "ALLOW_ROW_LOCKS", True),
    ("allow_page_locks", "ALLOW_PAGE_LOCKS", True),
    ("data_compression", "DATA_COMPRESSION", None),
)
ON_DELETE = {
    "CASCADE": " ON DELETE CASCADE",
    "SET_NULL": " ON DELETE SET NULL",
    "SET_DEFAULT": " ON DELETE SET DEFAULT",
    "NO_ACTION": "",
}
# OutSystems default expressions that are not literals of the column type.
OUTSYSTEMS_DEFAULTS = {"true": "1", "false": "0"}


@dataclass(frozen=True)
class SsdtOptions:
    include_platform_auto_indexes: bool = False
    database_collation: str = "SQL_Latin1_General_CP1_CI_AS"


@dataclass
class TablePlan:
    module: str
    module_folder: str
    entity: str
    schema: str
    table: str  # emitted name
    physical: str
    columns: list[str] = field(default_factory=list)
    constraints: list[str] = field(default_factory=list)
    batches: list[str] = field(default_factory=list)  # after CREATE TABLE, one batch each
    after_load: list[str] = field(default_factory=list)  # FKs to platform tables (PostLoad/)

    @property
    def name(self) -> str:
        return qualified(self.schema, self.table)

    @property
    def path(self) -> str:
        return f"Modules/{self.module_folder}/{self.schema}.{self.table}.sql"


class Decided:
    """decisions.json indexed for plans: NOT NULL columns, enforced uniques, created FKs."""

    def __init__(self, document: DecisionsDocument) -> None:
        self.not_null = {c.physical.casefold() for c in document.columns if c.make_not_null}
        self.uniques = {u.physical.casefold(): u for u in document.unique_indexes}
        self.unique_by_table: dict[tuple[str, str], list[DecidedUnique]] = {}
        self.references_by_table: dict[tuple[str, str], list[DecidedReference]] = {}
        for u in document.unique_indexes:
            self.unique_by_table.setdefault(_table_key(u.schema, u.table), []).append(u)
        for r in document.references:
            if r.create_fk:
                self.references_by_table.setdefault(_table_key(r.schema, r.table), []).append(r)

    def uniques_of(self, entity: Entity) -> list[DecidedUnique]:
        """The entity's unique-index decisions, in decisions.json order."""
        return self.unique_by_table.get(_table_key(entity.schema, entity.physical_name), [])

    def references_of(self, entity: Entity) -> list[DecidedReference]:
        """The entity's created-FK decisions, in decisions.json order."""
        return self.references_by_table.get(_table_key(entity.schema, entity.physical_name), [])

    def enforces_unique(self, entity: Entity, index: Index) -> bool:
        key = f"{entity.schema}.{entity.physical_name}.{index.name}".casefold()
        decided = self.uniques.get(key)
        return decided is not None and decided.enforce_unique

    def is_not_null(self, entity: Entity, attribute: Attribute) -> bool:
        key = f"{entity.schema}.{entity.physical_name}.{attribute.physical_name}".casefold()
        return key in self.not_null


def _table_key(schema: str, table: str) -> tuple[str, str]:
    return (schema.casefold(), table.casefold())


def _default(entity: Entity, attribute: Attribute, table: str) -> str:
    """The on-disk default (outer parentheses normalised), else the OutSystems default."""
    disk = attribute.on_disk
    text = disk.default_definition if disk is not None else None
    if text:
        while text.startswith("((") and text.endswith("))"):
            text = text[1:-1]
        expression = text if text.startswith("(") else f"({text})"
    elif attribute.default not in (None, ""):
        expression = f"({_outsystems_default(entity, attribute)})"
    else:
        return ""
    return (
        f" CONSTRAINT {quote(constraint_name('DF', table, attribute.emitted_name))} DEFAULT "
        f"{expression}"
    )


def _outsystems_default(entity: Entity, attribute: Attribute) -> str:
    raw = str(attribute.default).strip()
    sql_type = parse_sql_type(attribute.sql_type)
    value = OUTSYSTEMS_DEFAULTS.get(raw.lower(), raw)
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        value = value[1:-1]
    try:
        return literal(value, sql_type)
    except (ValueError, TypeError, ArithmeticError):
        raise InputError(
            f"model.json {entity.name}.{attribute.name}: default {raw!r} cannot be rendered as "
            f"{attribute.sql_type}; fix the default in OutSystems or the model"
        ) from None


def _column(
    entity: Entity,
    attribute: Attribute,
    table: str,
    not_null: bool,
    engine: str,
    options: SsdtOptions,
) -> str:
    disk = attribute.on_disk
    parts = [quote(attribute.emitted_name), parse_sql_type(attribute.sql_type).render().upper()]
    if seed_increment := identity(attribute, engine):
        parts.append(f"IDENTITY ({seed_increment[0]}, {seed_increment[1]})")
    parts.append("NOT NULL" if not_null else "NULL")
    collation = disk.collation if disk is not None else None
    if collation and collation.casefold() != options.database_collation.casefold():
        parts.append(f"COLLATE {collation}")
    return " ".join(parts) + _default(entity, attribute, table)


def _pk(entity: Entity, names: Mapping[str, str], table: str) -> tuple[str, set[str]]:
    index = next((i for i in entity.indexes if i.kind == "PK"), None)
    columns = (
        [c.column for c in index.columns if not c.is_included]
        if index
        else [a.physical_name for a in entity.attributes if a.is_identifier]
    )
    if not columns:
        return "", set()
    keys = ", ".join(f"{quote(names[c.casefold()])} ASC" for c in columns)
    clause = f"CONSTRAINT {quote(constraint_name('PK', table))} PRIMARY KEY CLUSTERED ({keys})"
    return clause, {c.casefold() for c in columns}


def _index_statement(
    plan: TablePlan, index: Index, unique: bool, names: Mapping[str, str]
) -> list[str]:
    keys = [c for c in index.columns if not c.is_included]
    cols = [names.get(c.column.casefold(), c.column) for c in keys]
    name = constraint_name("UIX" if unique else "IX", plan.table, *cols)
    text = (
        f"CREATE {'UNIQUE ' if unique else ''}NONCLUSTERED INDEX {quote(name)} ON {plan.name} ("
        + ", ".join(f"{quote(n)} {c.direction}" for n, c in zip(cols, keys, strict=True))
        + ")"
    )
    included = [names.get(c.column.casefold(), c.column) for c in index.columns if c.is_included]
    if included:
        text += " INCLUDE (" + ", ".join(quote(n) for n in included) + ")"
    if index.filter:
        text += f" WHERE ({index.filter.strip().removeprefix('(').removesuffix(')')})"
    settings = [
        f"{sql} = {_option(getattr(index.options, attr))}"
        for attr, sql, default in INDEX_OPTIONS
        if getattr(index.options, attr) != default
    ]
    if settings:
        text += " WITH (" + ", ".join(settings) + ")"
    if index.options.file_group and index.options.file_group.upper() != "PRIMARY":
        text += f" ON {quote(index.options.file_group)}"
    statements = [text + ";"]
    if index.is_disabled:
        statements.append(f"ALTER INDEX {quote(name)} ON {plan.name} DISABLE;")
    return statements


def _option(value: object) -> str:
    if isinstance(value, bool):
        return "ON" if value else "OFF"
    return str(value)


def _indexes(
    plan: TablePlan,
    entity: Entity,
    decided: Decided,
    names: Mapping[str, str],
    options: SsdtOptions,
) -> list[str]:
    out: list[str] = []
    for index in entity.indexes:
        if index.kind == "PK":
            continue
        unique = index.is_unique and decided.enforces_unique(entity, index)
        if index.is_platform_auto and not unique and not options.include_platform_auto_indexes:
            continue
        out += _index_statement(plan, index, unique, names)
    known = {i.name.casefold() for i in entity.indexes}
    for candidate in decided.uniques_of(entity):
        if (
            candidate.signal.startswith("candidate")
            and candidate.enforce_unique
            and candidate.index.casefold() not in known
        ):
            out += _index_statement(plan, _candidate_index(candidate), True, names)
    return out


def _candidate_index(unique: DecidedUnique) -> Index:
    from osddl.model.contract import DEFAULT_INDEX_OPTIONS, IndexColumn

    return Index(
        name=unique.index,
        kind="UIX",
        is_unique=True,
        is_platform_auto=False,
        is_disabled=False,
        filter=None,
        options=DEFAULT_INDEX_OPTIONS,
        columns=[
            IndexColumn(attribute=None, column=c, direction="ASC", is_included=False)
            for c in unique.columns
        ],
    )


def _foreign_keys(
    plan: TablePlan,
    entity: Entity,
    decided: Decided,
    names: Mapping[str, str],
    targets: Mapping[tuple[str, str], Entity],
    platform: Mapping[tuple[str, str], Entity],
) -> tuple[list[str], list[str]]:
    """Inline constraints for checked FKs; separate NOCHECK batches for untrusted ones; FKs to a
    platform table (not in the project, present in every target) go to `plan.after_load`."""
    inline: list[str] = []
    batches: list[str] = []
    for ref in decided.references_of(entity):
        key = _table_key(ref.referenced_schema, ref.referenced_table)
        target = targets.get(key) or platform.get(key)
        if target is None:
            continue  # the target is not emitted; SSDT could not resolve it
        target_names = {a.physical_name.casefold(): a.emitted_name for a in target.attributes}
        column = names[ref.column.casefold()]
        name = constraint_name("FK", plan.table, target.emitted_name, column)
        clause = (
            f"CONSTRAINT {quote(name)} FOREIGN KEY ({quote(column)}) REFERENCES "
            f"{qualified(target.schema, target.emitted_name)} "
            f"({quote(target_names[(ref.referenced_column or 'Id').casefold()])})"
            f"{ON_DELETE[ref.on_delete]}"
        )
        if key in platform:
            plan.after_load.append(f"ALTER TABLE {plan.name} WITH CHECK ADD {clause};")
        elif ref.with_check:
            inline.append(clause)
        else:
            batches.append(
                f"-- {name}: kept untrusted (existing FK created WITH NOCHECK; the "
                f"policy does not check existing rows)\nALTER TABLE {plan.name} "
                f"WITH NOCHECK ADD {clause};"
            )
            batches.append(f"ALTER TABLE {plan.name} NOCHECK CONSTRAINT {quote(name)};")
    return inline, batches


def _descriptions(plan: TablePlan, entity: Entity) -> list[str]:
    def describe(text: str, column: str | None) -> str:
        level2 = (
            f", @level2type = N'COLUMN', @level2name = {string(column)}"
            if column is not None
            else ""
        )
        return (
            f"EXEC sys.sp_addextendedproperty @name = N'MS_Description', "
            f"@value = {string(text)}, @level0type = N'SCHEMA', "
            f"@level0name = {string(plan.schema)}, @level1type = N'TABLE', "
            f"@level1name = {string(plan.table)}{level2};"
        )

    table = [describe(entity.description, None)] if entity.description else []
    return table + [
        describe(a.description, a.emitted_name)
        for a in entity.attributes
        if a.description and a.is_active
    ]


def _triggers(plan: TablePlan, entity: Entity, engine: str) -> list[str]:
    """Trigger bodies are T-SQL only when they came from SQL Server (or its export)."""
    if engine not in ("mssql", "advanced-sql-json"):
        return []
    out = []
    for trigger in entity.triggers:
        out.append(trigger.definition.strip())
        if trigger.is_disabled:
            out.append(f"DISABLE TRIGGER {quote(trigger.name)} ON {plan.name};")
    return out


def table_plan(
    module: Module,
    entity: Entity,
    decided: Decided,
    targets: Mapping[tuple[str, str], Entity],
    platform: Mapping[tuple[str, str], Entity],
    engine: str,
    options: SsdtOptions,
) -> TablePlan:
    plan = TablePlan(
        module.name,
        module_folder(module.name),
        entity.name,
        entity.schema,
        entity.emitted_name,
        entity.physical_name,
    )
    active = [a for a in entity.attributes if a.is_active]
    names = {a.physical_name.casefold(): a.emitted_name for a in entity.attributes}
    pk, pk_columns = _pk(entity, names, plan.table)
    plan.columns = [
        _column(
            entity,
            a,
            plan.table,
            a.physical_name.casefold() in pk_columns or decided.is_not_null(entity, a),
            engine,
            options,
        )
        for a in active
    ]
    inline, nocheck = _foreign_keys(plan, entity, decided, names, targets, platform)
    plan.constraints = ([pk] if pk else []) + inline
    plan.batches = (
        _indexes(plan, entity, decided, names, options)
        + nocheck
        + _descriptions(plan, entity)
        + _triggers(plan, entity, engine)
    )
    return plan


def table_plans(
    selection: Selection, engine: str, decisions: DecisionsDocument, options: SsdtOptions
) -> list[TablePlan]:
    """One plan per emitted entity, in model order."""

    def by_table(members: Sequence[tuple[Module, Entity]]) -> dict[tuple[str, str], Entity]:
        return {_table_key(e.schema, e.physical_name): e for _, e in members}

    targets, platform = by_table(selection.emitted), by_table(selection.platform)
    decided = Decided(decisions)
    return [
        table_plan(m, e, decided, targets, platform, engine, options) for m, e in selection.emitted
    ]

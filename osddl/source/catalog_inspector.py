"""Catalog through SQLAlchemy's bulk Inspector API (`get_multi_*`): PostgreSQL and the fallback.

On PostgreSQL each `get_multi_*` call is a fixed number of statements per schema.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Inspector

from osddl.model.contract import DEFAULT_INDEX_OPTIONS, ForeignKey, Index, IndexColumn
from osddl.model.sqltype import SqlType, parse_sql_type
from osddl.source.catalog import (
    ColumnFacts,
    TableCatalog,
    TableKey,
    fk_action,
    sqlserver_default,
    table_key,
)
from osddl.source.pgtypes import FROM_POSTGRES


def _sql_type(column_type: Any, where: str) -> SqlType:
    """A reflected SQLAlchemy type → the SQL Server type that holds the same values."""
    name = type(column_type).__name__
    if isinstance(column_type, sa.Numeric) and not isinstance(column_type, sa.Float):
        return SqlType(
            "decimal", precision=column_type.precision or 18, scale=column_type.scale or 0
        )
    if isinstance(column_type, sa.String) and column_type.length is not None:
        return SqlType("nvarchar", length=column_type.length)
    precision = getattr(column_type, "precision", None)
    mapped = FROM_POSTGRES.get((name, precision)) or FROM_POSTGRES.get((name, None))
    if mapped is not None:
        return mapped
    return parse_sql_type(name, where)


def _column(raw: Mapping[str, Any], where: str) -> ColumnFacts:
    identity = raw.get("identity")
    computed = raw.get("computed")
    return ColumnFacts(
        name=raw["name"],
        sql_type=_sql_type(raw["type"], f"{where}.{raw['name']}"),
        is_nullable=bool(raw["nullable"]),
        identity=(int(identity.get("start", 1)), int(identity.get("increment", 1)))
        if identity
        else None,
        is_computed=computed is not None,
        computed_definition=str(computed["sqltext"]) if computed else None,
        default_definition=None if identity else sqlserver_default(raw.get("default")),
        collation=raw.get("collation"),
    )


def _index(raw: Mapping[str, Any]) -> Index:
    sorting = raw.get("column_sorting") or {}
    where = (raw.get("dialect_options") or {}).get("postgresql_where")
    keys = [
        IndexColumn(
            attribute=None,
            column=c,
            is_included=False,
            direction="DESC" if "desc" in sorting.get(c, ()) else "ASC",
        )
        for c in raw["column_names"]
    ]
    included = [
        IndexColumn(attribute=None, column=c, direction="ASC", is_included=True)
        for c in raw.get("include_columns") or []
    ]
    unique = bool(raw["unique"])
    return Index(
        name=raw["name"],
        kind="UIX" if unique else "IX",
        is_unique=unique,
        is_platform_auto=False,
        is_disabled=False,
        filter=str(where) if where is not None else None,
        columns=keys + included,
        options=DEFAULT_INDEX_OPTIONS,
    )


def _pk(raw: Mapping[str, Any]) -> Index | None:
    if not raw.get("constrained_columns"):
        return None
    return Index(
        name=raw.get("name") or "PK",
        kind="PK",
        is_unique=True,
        is_platform_auto=False,
        is_disabled=False,
        filter=None,
        options=DEFAULT_INDEX_OPTIONS,
        columns=[
            IndexColumn(attribute=None, column=c, direction="ASC", is_included=False)
            for c in raw["constrained_columns"]
        ],
    )


def _foreign_key(raw: Mapping[str, Any], default_schema: str, trusted: bool) -> ForeignKey:
    options = raw.get("options") or {}
    referred = raw.get("referred_schema") or default_schema
    return ForeignKey(
        name=raw["name"],
        columns=list(raw["constrained_columns"]),
        referenced_schema="dbo" if referred == default_schema else referred,
        referenced_table=raw["referred_table"],
        referenced_columns=list(raw["referred_columns"]),
        on_delete=fk_action(options.get("ondelete")),
        on_update=fk_action(options.get("onupdate")),
        is_trusted=trusted,
    )


# Engines that can declare an FK without checking existing rows, and how to list those FKs.
UNTRUSTED_FKS: dict[str, str] = {
    "postgresql": "SELECT n.nspname, t.relname, c.conname FROM pg_constraint c "
    "JOIN pg_class t ON t.oid = c.conrelid JOIN pg_namespace n ON n.oid = t.relnamespace "
    "WHERE c.contype = 'f' AND NOT c.convalidated",
}


def _untrusted(connection: Connection) -> set[tuple[str, str, str]]:
    sql = UNTRUSTED_FKS.get(connection.dialect.name)
    if sql is None:
        return set()
    return {(str(s), str(t), str(n)) for s, t, n in connection.execute(sa.text(sql))}


def read(
    connection: Connection, wanted: dict[str, set[str]], default_schema: str
) -> dict[TableKey, TableCatalog]:
    inspector: Inspector = sa.inspect(connection)
    untrusted = _untrusted(connection)
    found: dict[TableKey, TableCatalog] = {}
    for schema, tables in sorted(wanted.items()):
        engine_schema = default_schema if schema == "dbo" else schema
        if engine_schema not in inspector.get_schema_names():
            continue
        names = [
            t for t in inspector.get_table_names(schema=engine_schema) if t.casefold() in tables
        ]
        if not names:
            continue
        kw: dict[str, Any] = {"schema": engine_schema, "filter_names": names}
        columns = inspector.get_multi_columns(**kw)
        pks = inspector.get_multi_pk_constraint(**kw)
        fks = inspector.get_multi_foreign_keys(**kw)
        indexes = inspector.get_multi_indexes(**kw)
        for (_, name), cols in sorted(columns.items()):
            table = TableCatalog(schema=schema, name=name)
            table.columns = [_column(c, f"{engine_schema}.{name}") for c in cols]
            pk = _pk(pks.get((engine_schema, name)) or {})
            table.indexes = ([pk] if pk else []) + [
                _index(i)
                for i in indexes.get((engine_schema, name), [])
                if not i.get("duplicates_constraint")
            ]
            table.foreign_keys = [
                _foreign_key(
                    f, default_schema, (engine_schema, name, f["name"] or "") not in untrusted
                )
                for f in fks.get((engine_schema, name), [])
            ]
            found[table_key(schema, name)] = table
    return found

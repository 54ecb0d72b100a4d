"""Dispatch to the catalog reader of the connected engine."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.engine import Connection

from osddl.source import catalog_inspector, catalog_mssql, catalog_sqlite
from osddl.source.catalog import TableCatalog, TableKey


def read_catalog(
    connection: Connection, tables: Iterable[TableKey], default_schema: str
) -> dict[TableKey, TableCatalog]:
    """Catalog facts for the wanted tables (missing tables are simply absent from the result)."""

    readers = {
        "sqlite": catalog_sqlite.read,
        "postgresql": catalog_inspector.read,
        "mssql": catalog_mssql.read,
    }
    reader = readers.get(connection.dialect.name, catalog_inspector.read)
    by_schema: dict[str, set[str]] = {}
    for schema, table in tables:
        by_schema.setdefault(schema, set()).add(table)
    return reader(connection, by_schema, default_schema)

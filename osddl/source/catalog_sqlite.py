"""SQLite catalog: pragma table-valued functions, a fixed number of statements per schema.

SQLite enforces foreign keys only when a connection asks for it, so an FK counts as trusted only
when `PRAGMA foreign_key_check` finds no row that violates it.
"""

from __future__ import annotations

import re

from sqlalchemy import text
from sqlalchemy.engine import Connection

from osddl.model.contract import DEFAULT_INDEX_OPTIONS, ForeignKey, Index, IndexColumn, Trigger
from osddl.model.sqltype import SqlType, parse_sql_type
from osddl.source.catalog import (
    ColumnFacts,
    TableCatalog,
    TableKey,
    fk_action,
    sqlserver_default,
    table_key,
)

# SQLite's own type names → SQL Server types; anything else is read as SQL Server text.
SQLITE_TYPES: dict[str, str] = {
    "integer": "int",
    "boolean": "bit",
    "text": "nvarchar(max)",
    "blob": "varbinary(max)",
    "real": "float",
    "numeric": "decimal(18,0)",
    "": "nvarchar(max)",
}

_COLUMNS = """SELECT m.name AS tbl, m.sql AS sql, p.cid, p.name, p.type, p."notnull",
  p.dflt_value, p.pk, p.hidden
FROM "{schema}".sqlite_master AS m JOIN pragma_table_xinfo(m.name, '{schema}') AS p
WHERE m.type = 'table' ORDER BY m.name, p.cid"""

_FOREIGN_KEYS = """SELECT m.name AS tbl, f.id, f.seq, f."table" AS target, f."from", f."to",
  f.on_update, f.on_delete
FROM "{schema}".sqlite_master AS m JOIN pragma_foreign_key_list(m.name, '{schema}') AS f
WHERE m.type = 'table' ORDER BY m.name, f.id, f.seq"""

_INDEXES = """SELECT m.name AS tbl, il.name AS idx, il."unique", il.origin, il.partial,
  ix.seqno, ix.name AS col, ix."desc", s.sql
FROM "{schema}".sqlite_master AS m
JOIN pragma_index_list(m.name, '{schema}') AS il
JOIN pragma_index_xinfo(il.name, '{schema}') AS ix
LEFT JOIN "{schema}".sqlite_master AS s ON s.type = 'index' AND s.name = il.name
WHERE m.type = 'table' AND ix.key = 1 ORDER BY m.name, il.name, ix.seqno"""

_FK_VIOLATIONS = """PRAGMA "{schema}".foreign_key_check"""

_TRIGGERS = """SELECT tbl_name AS tbl, name, sql FROM "{schema}".sqlite_master
WHERE type = 'trigger' ORDER BY tbl_name, name"""

_NAMED_PK = re.compile(r'CONSTRAINT\s+["`\[]?(\w+)["`\]]?\s+PRIMARY\s+KEY', re.IGNORECASE)
_NAMED_FK = re.compile(
    r'CONSTRAINT\s+["`\[]?(\w+)["`\]]?\s+FOREIGN\s+KEY\s*\(([^)]*)\)', re.IGNORECASE
)
_WHERE = re.compile(r"\bWHERE\b(.*)$", re.IGNORECASE | re.DOTALL)


def _sql_type(declared: str, where: str) -> SqlType:
    mapped = SQLITE_TYPES.get(declared.strip().lower(), declared)
    return parse_sql_type(mapped, where)


def _bare(name: str) -> str:
    return name.strip().strip('"`[]')


def read(
    connection: Connection, wanted: dict[str, set[str]], default_schema: str
) -> dict[TableKey, TableCatalog]:
    """Four pragma joins per schema, whatever the number of tables."""
    found: dict[TableKey, TableCatalog] = {}
    attached = {row[1] for row in connection.execute(text("PRAGMA database_list"))}
    for schema, tables in sorted(wanted.items()):
        engine_schema = default_schema if schema == "dbo" else schema
        if engine_schema not in attached:
            continue
        sqls = _read_columns(connection, schema, engine_schema, tables, found)
        _read_foreign_keys(connection, schema, engine_schema, found, sqls)
        _read_indexes(connection, schema, engine_schema, found, sqls)
        _read_triggers(connection, schema, engine_schema, found)
    return found


def _read_columns(
    connection: Connection,
    schema: str,
    engine_schema: str,
    tables: set[str],
    found: dict[TableKey, TableCatalog],
) -> dict[TableKey, str]:
    sqls: dict[TableKey, str] = {}
    for row in connection.execute(text(_COLUMNS.format(schema=engine_schema))).mappings():
        key = table_key(schema, row["tbl"])
        if key[1] not in tables:
            continue
        table = found.setdefault(key, TableCatalog(schema=schema, name=row["tbl"]))
        sqls[key] = row["sql"] or ""
        identity = (1, 1) if row["pk"] and "AUTOINCREMENT" in sqls[key].upper() else None
        table.columns.append(
            ColumnFacts(
                name=row["name"],
                sql_type=_sql_type(
                    row["type"] or "", f"{engine_schema}.{row['tbl']}.{row['name']}"
                ),
                is_nullable=not row["notnull"] and not row["pk"],
                identity=identity,
                is_computed=row["hidden"] in (2, 3),
                default_definition=sqlserver_default(row["dflt_value"]),
            )
        )
        if row["pk"]:
            _add_pk_column(table, row["name"], int(row["pk"]), sqls[key])
    return sqls


def _add_pk_column(table: TableCatalog, column: str, ordinal: int, sql: str) -> None:
    match = _NAMED_PK.search(sql)
    name = match.group(1) if match else f"PK_{table.name}"
    entry = IndexColumn(attribute=None, column=column, direction="ASC", is_included=False)
    pk = next((i for i in table.indexes if i.kind == "PK"), None)
    if pk is None:
        table.indexes.append(
            Index(
                name=name,
                kind="PK",
                is_unique=True,
                is_platform_auto=False,
                is_disabled=False,
                filter=None,
                columns=[entry],
                options=DEFAULT_INDEX_OPTIONS,
            )
        )
    else:
        pk.columns.insert(ordinal - 1, entry)


def _read_foreign_keys(
    connection: Connection,
    schema: str,
    engine_schema: str,
    found: dict[TableKey, TableCatalog],
    sqls: dict[TableKey, str],
) -> None:
    groups: dict[tuple[TableKey, int], list[dict[str, str]]] = {}
    for row in connection.execute(text(_FOREIGN_KEYS.format(schema=engine_schema))).mappings():
        key = table_key(schema, row["tbl"])
        if key in found:
            groups.setdefault((key, int(row["id"])), []).append(dict(row))
    violated = {
        (table_key(schema, str(row[0])), int(row[3]))
        for row in connection.execute(text(_FK_VIOLATIONS.format(schema=engine_schema)))
    }
    for (key, fk_id), rows in sorted(groups.items()):
        columns = [r["from"] for r in rows]
        found[key].foreign_keys.append(
            ForeignKey(
                name=_fk_name(sqls[key], columns, found[key].name, rows[0]["target"]),
                columns=columns,
                referenced_schema=schema,
                referenced_table=rows[0]["target"],
                referenced_columns=[r["to"] for r in rows],
                on_delete=fk_action(rows[0]["on_delete"]),
                on_update=fk_action(rows[0]["on_update"]),
                is_trusted=(key, fk_id) not in violated,
            )
        )


def _fk_name(sql: str, columns: list[str], table: str, target: str) -> str:
    wanted = [c.casefold() for c in columns]
    for match in _NAMED_FK.finditer(sql):
        if [_bare(c).casefold() for c in match.group(2).split(",")] == wanted:
            return match.group(1)
    return f"FK_{table}_{target}_{'_'.join(columns)}"


def _read_indexes(
    connection: Connection,
    schema: str,
    engine_schema: str,
    found: dict[TableKey, TableCatalog],
    sqls: dict[TableKey, str],
) -> None:
    groups: dict[tuple[TableKey, str], list[dict[str, object]]] = {}
    for row in connection.execute(text(_INDEXES.format(schema=engine_schema))).mappings():
        key = table_key(schema, row["tbl"])
        if key in found and row["origin"] != "pk":
            groups.setdefault((key, row["idx"]), []).append(dict(row))
    for (key, name), rows in sorted(groups.items()):
        first = rows[0]
        unique = bool(first["unique"])
        where = _WHERE.search(str(first["sql"] or "")) if first["partial"] else None
        found[key].indexes.append(
            Index(
                name=name,
                kind="UQ" if first["origin"] == "u" else ("UIX" if unique else "IX"),
                is_unique=unique,
                is_platform_auto=False,
                is_disabled=False,
                filter=where.group(1).strip() if where else None,
                columns=[
                    IndexColumn(
                        attribute=None,
                        column=str(r["col"]),
                        direction="DESC" if r["desc"] else "ASC",
                        is_included=False,
                    )
                    for r in rows
                ],
                options=DEFAULT_INDEX_OPTIONS,
            )
        )


def _read_triggers(
    connection: Connection, schema: str, engine_schema: str, found: dict[TableKey, TableCatalog]
) -> None:
    for row in connection.execute(text(_TRIGGERS.format(schema=engine_schema))).mappings():
        key = table_key(schema, row["tbl"])
        if key in found:
            found[key].triggers.append(
                Trigger(name=row["name"], is_disabled=False, definition=row["sql"] or "")
            )

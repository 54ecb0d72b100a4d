"""SQL Server catalog from the sys views: four statements for any number of tables.

Facts the Inspector cannot give live here: FK trust (`is_not_trusted`, `is_disabled`), identity
seed/increment, named defaults, index options, filters, included columns, and triggers.
Runs only where `OSDDL_TEST_MSSQL_URL` points at a server (see tests/test_mssql.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection

from osddl.model.contract import ForeignKey, Index, IndexColumn, IndexOptions, Trigger
from osddl.model.sqltype import MAX, SQLSERVER_TYPES, SqlType
from osddl.source.catalog import ColumnFacts, TableCatalog, TableKey, fk_action, table_key

_TABLES = """FROM sys.tables AS t JOIN sys.schemas AS s ON s.schema_id = t.schema_id"""

_COLUMNS = f"""SELECT s.name AS sch, t.name AS tbl, c.name AS col, ty.name AS type_name,
  c.max_length, c.precision, c.scale, c.is_nullable, c.is_identity,
  CAST(ic.seed_value AS bigint) AS seed, CAST(ic.increment_value AS bigint) AS increment,
  c.is_computed, cc.definition AS computed_definition, dc.name AS default_name,
  dc.definition AS default_definition, c.collation_name
{_TABLES}
JOIN sys.columns AS c ON c.object_id = t.object_id
JOIN sys.types AS ty ON ty.user_type_id = c.user_type_id
LEFT JOIN sys.identity_columns AS ic ON ic.object_id = c.object_id AND ic.column_id = c.column_id
LEFT JOIN sys.computed_columns AS cc ON cc.object_id = c.object_id AND cc.column_id = c.column_id
LEFT JOIN sys.default_constraints AS dc
  ON dc.parent_object_id = c.object_id AND dc.parent_column_id = c.column_id
ORDER BY s.name, t.name, c.column_id"""

_INDEXES = f"""SELECT s.name AS sch, t.name AS tbl, i.name AS idx, i.is_primary_key,
  i.is_unique_constraint, i.is_unique, i.is_disabled, i.filter_definition, i.fill_factor,
  i.ignore_dup_key, i.is_padded, i.allow_row_locks, i.allow_page_locks,
  st.no_recompute, ds.name AS data_space, c.name AS col, ic.is_descending_key,
  ic.is_included_column, ic.key_ordinal, ic.index_column_id,
  (SELECT MIN(p.data_compression_desc) FROM sys.partitions AS p
   WHERE p.object_id = i.object_id AND p.index_id = i.index_id) AS compression
{_TABLES}
JOIN sys.indexes AS i ON i.object_id = t.object_id
JOIN sys.index_columns AS ic ON ic.object_id = i.object_id AND ic.index_id = i.index_id
JOIN sys.columns AS c ON c.object_id = ic.object_id AND c.column_id = ic.column_id
LEFT JOIN sys.stats AS st ON st.object_id = i.object_id AND st.stats_id = i.index_id
LEFT JOIN sys.data_spaces AS ds ON ds.data_space_id = i.data_space_id
WHERE i.type > 0 AND i.is_hypothetical = 0
ORDER BY s.name, t.name, i.name, ic.is_included_column, ic.key_ordinal, ic.index_column_id"""

_FOREIGN_KEYS = f"""SELECT s.name AS sch, t.name AS tbl, fk.name AS fk, fk.is_not_trusted,
  fk.is_disabled, fk.delete_referential_action_desc AS on_delete,
  fk.update_referential_action_desc AS on_update, rs.name AS ref_schema, rt.name AS ref_table,
  pc.name AS col, rc.name AS ref_col
{_TABLES}
JOIN sys.foreign_keys AS fk ON fk.parent_object_id = t.object_id
JOIN sys.tables AS rt ON rt.object_id = fk.referenced_object_id
JOIN sys.schemas AS rs ON rs.schema_id = rt.schema_id
JOIN sys.foreign_key_columns AS fkc ON fkc.constraint_object_id = fk.object_id
JOIN sys.columns AS pc
  ON pc.object_id = fkc.parent_object_id AND pc.column_id = fkc.parent_column_id
JOIN sys.columns AS rc
  ON rc.object_id = fkc.referenced_object_id AND rc.column_id = fkc.referenced_column_id
ORDER BY s.name, t.name, fk.name, fkc.constraint_column_id"""

_TRIGGERS = f"""SELECT s.name AS sch, t.name AS tbl, tr.name AS trg, tr.is_disabled,
  m.definition
{_TABLES}
JOIN sys.triggers AS tr ON tr.parent_id = t.object_id
JOIN sys.sql_modules AS m ON m.object_id = tr.object_id
ORDER BY s.name, t.name, tr.name"""


def _sql_type(row: Mapping[str, Any]) -> SqlType:
    name = str(row["type_name"]).lower()
    style = SQLSERVER_TYPES.get(name, "")
    if style == "length":
        size = int(row["max_length"])
        return SqlType(
            name, length=MAX if size == -1 else size // (2 if SqlType(name).info.unicode else 1)
        )
    if style == "precision_scale":
        return SqlType(name, precision=int(row["precision"]), scale=int(row["scale"]))
    if style == "scale":
        return SqlType(name, scale=int(row["scale"]))
    return SqlType(name)


def _rows(connection: Connection, sql: str, wanted: dict[str, set[str]]) -> list[dict[str, Any]]:
    return [
        dict(row)
        for row in connection.execute(text(sql)).mappings()
        if str(row["tbl"]).casefold() in wanted.get(str(row["sch"]).casefold(), set())
    ]


def _table(found: dict[TableKey, TableCatalog], row: Mapping[str, Any]) -> TableCatalog:
    key = table_key(row["sch"], row["tbl"])
    return found.setdefault(key, TableCatalog(schema=row["sch"], name=row["tbl"]))


def read(
    connection: Connection, wanted: dict[str, set[str]], default_schema: str
) -> dict[TableKey, TableCatalog]:
    found: dict[TableKey, TableCatalog] = {}
    for row in _rows(connection, _COLUMNS, wanted):
        identity = (int(row["seed"]), int(row["increment"])) if row["is_identity"] else None
        _table(found, row).columns.append(
            ColumnFacts(
                name=row["col"],
                sql_type=_sql_type(row),
                is_nullable=bool(row["is_nullable"]),
                identity=identity,
                is_computed=bool(row["is_computed"]),
                computed_definition=row["computed_definition"],
                default_name=row["default_name"],
                default_definition=row["default_definition"],
                collation=row["collation_name"],
            )
        )
    _add_indexes(found, _rows(connection, _INDEXES, wanted))
    _add_foreign_keys(found, _rows(connection, _FOREIGN_KEYS, wanted))
    for row in _rows(connection, _TRIGGERS, wanted):
        _table(found, row).triggers.append(
            Trigger(
                name=row["trg"], is_disabled=bool(row["is_disabled"]), definition=row["definition"]
            )
        )
    return found


def _index_kind(row: Mapping[str, Any]) -> str:
    if row["is_primary_key"]:
        return "PK"
    if row["is_unique_constraint"]:
        return "UQ"
    return "UIX" if row["is_unique"] else "IX"


def _add_indexes(found: dict[TableKey, TableCatalog], rows: list[dict[str, Any]]) -> None:
    groups: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault((row["sch"], row["tbl"], row["idx"]), []).append(row)
    for members in groups.values():
        first = members[0]
        options = IndexOptions(
            fill_factor=int(first["fill_factor"]) or None,
            ignore_dup_key=bool(first["ignore_dup_key"]),
            pad_index=bool(first["is_padded"]),
            allow_row_locks=bool(first["allow_row_locks"]),
            allow_page_locks=bool(first["allow_page_locks"]),
            no_recompute=bool(first["no_recompute"]),
            data_compression=None
            if first["compression"] in (None, "NONE")
            else first["compression"],
            file_group=first["data_space"],
        )
        _table(found, first).indexes.append(
            Index(
                name=first["idx"],
                kind=_index_kind(first),  # type: ignore[arg-type]
                is_unique=bool(first["is_unique"]),
                is_platform_auto=False,
                is_disabled=bool(first["is_disabled"]),
                filter=first["filter_definition"],
                columns=[
                    IndexColumn(
                        attribute=None,
                        column=m["col"],
                        direction="DESC" if m["is_descending_key"] else "ASC",
                        is_included=bool(m["is_included_column"]),
                    )
                    for m in members
                ],
                options=options,
            )
        )


def _add_foreign_keys(found: dict[TableKey, TableCatalog], rows: list[dict[str, Any]]) -> None:
    groups: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault((row["sch"], row["tbl"], row["fk"]), []).append(row)
    for members in groups.values():
        first = members[0]
        _table(found, first).foreign_keys.append(
            ForeignKey(
                name=first["fk"],
                columns=[m["col"] for m in members],
                referenced_schema=first["ref_schema"],
                referenced_table=first["ref_table"],
                referenced_columns=[m["ref_col"] for m in members],
                on_delete=fk_action(first["on_delete"]),
                on_update=fk_action(first["on_update"]),
                is_trusted=not first["is_not_trusted"] and not first["is_disabled"],
            )
        )

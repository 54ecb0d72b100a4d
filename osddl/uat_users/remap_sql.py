"""`02_apply_user_remap.sql`: the standalone UPDATE script, built from the transformation map.

For a UAT database that was loaded with QA ids, and as an independent proof of the
pre-transformed INSERTs. Text generation only; every name and value goes through `osddl.tsql`.

Shape (spec 05): a typed temporary mapping table (bigint / uniqueidentifier / nvarchar, as the ids
are) filled in INSERT batches of at most 1000 rows; per catalogued column an UPDATE joined to it
on `t.c = m.Source` with `t.c IS NOT NULL`, so only orphan ids are touched and NULLs never
change; a PRINT of the rows changed per column.

Idempotence: when no target is also a source (the normal case), every chunk is its own
transaction (`TOP (n)` through an updatable CTE, until a chunk changes nothing) and a second run
finds no source id left. When some target is also a source (a collision id handed to another
orphan), values alone cannot tell remapped rows from original ones: each column is then updated
in one transaction that also records it in `dbo.osddl_uat_users_remap_log` under the map's
sha256, and a second run skips recorded columns.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import Final

from osddl.model.sqltype import parse_sql_type
from osddl.tsql import literal, qualified, quote, script
from osddl.uat_users.catalog import CatalogColumn
from osddl.uat_users.ids import MAPPING_SQL_TYPES, UserId
from osddl.uat_users.transform import TransformationMap

MAP_TABLE: Final = "#osddl_uat_user_map"
LOG_SCHEMA: Final = "dbo"
LOG_TABLE: Final = "osddl_uat_users_remap_log"
MAX_VALUES_ROWS: Final = 1000  # SQL Server's limit for one row constructor
_TEXT = parse_sql_type("nvarchar(4000)")


def _text(value: str) -> str:
    """A Unicode literal that sqlcmd runs unchanged (no `$(`, one line)."""
    return literal(value, _TEXT)


def _comment(column: CatalogColumn) -> str:
    """A one-line comment naming the column; sqlcmd would substitute `$(` even in a comment."""
    text = f"{column.target_label} ({column.reason})".replace("$(", "$ (")
    return "-- " + re.sub(r"[\x00-\x1f\x85\u2028\u2029]", "?", text)


def _id(value: UserId, sql_type: str) -> str:
    return literal(value, parse_sql_type(sql_type))


def _mapping_table(tmap: TransformationMap) -> Iterator[str]:
    sql_type = MAPPING_SQL_TYPES[tmap.kind]
    collate = " COLLATE DATABASE_DEFAULT" if tmap.kind == "text" else ""
    yield f"IF OBJECT_ID(N'tempdb..{MAP_TABLE}') IS NOT NULL DROP TABLE {MAP_TABLE}"
    yield (
        f"CREATE TABLE {MAP_TABLE} ([Source] {sql_type}{collate} NOT NULL PRIMARY KEY, "
        f"[Target] {sql_type}{collate} NOT NULL)"
    )
    entries = tmap.entries
    for start in range(0, len(entries), MAX_VALUES_ROWS):
        rows = ",\n    ".join(
            f"({_id(e.source, sql_type)}, {_id(e.target, sql_type)})"
            for e in entries[start : start + MAX_VALUES_ROWS]
        )
        yield f"INSERT INTO {MAP_TABLE} ([Source], [Target]) VALUES\n    {rows}"


def _names(column: CatalogColumn) -> tuple[str, str]:
    return qualified(column.schema, column.emitted_table), quote(column.emitted_column)


def _summary(column: CatalogColumn) -> str:
    return (
        f"PRINT {_text(column.target_label + ': ')} + CAST(@total AS nvarchar(20)) + "
        f"{_text(' rows changed')}"
    )


def _chunked(column: CatalogColumn, chunk_rows: int) -> Iterator[str]:
    """Chunks of at most `chunk_rows`, each its own transaction, until none is left."""
    table, name = _names(column)
    yield _comment(column)
    yield "SET @total = 0"
    yield (
        "WHILE 1 = 1\nBEGIN\n"
        "    BEGIN TRANSACTION;\n"
        "    WITH [chunk] AS (\n"
        f"        SELECT TOP ({chunk_rows}) t.{name} AS [Value], m.[Target] AS [Target]\n"
        f"        FROM {table} AS t\n"
        f"        INNER JOIN {MAP_TABLE} AS m ON t.{name} = m.[Source]\n"
        f"        WHERE t.{name} IS NOT NULL\n"
        "    )\n"
        "    UPDATE [chunk] SET [Value] = [Target];\n"
        "    SET @rows = @@ROWCOUNT;\n"
        "    COMMIT TRANSACTION;\n"
        "    SET @total = @total + @rows;\n"
        "    IF @rows = 0 BREAK;\n"
        "END"
    )
    yield _summary(column)


def _logged(column: CatalogColumn, sha256: str) -> Iterator[str]:
    """The whole column in one transaction, recorded in the log; skipped once recorded."""
    table, name = _names(column)
    log = qualified(LOG_SCHEMA, LOG_TABLE)
    key = f"[MapSha256] = {_text(sha256)} AND [ColumnName] = {_text(column.target_label)}"
    yield _comment(column)
    yield "SET @total = 0"
    yield "SET @done = 0"
    yield f"IF EXISTS (SELECT 1 FROM {log} WHERE {key}) SET @done = 1"
    yield (
        "IF @done = 0\nBEGIN\n"
        "    BEGIN TRANSACTION;\n"
        f"    UPDATE t SET t.{name} = m.[Target]\n"
        f"    FROM {table} AS t\n"
        f"    INNER JOIN {MAP_TABLE} AS m ON t.{name} = m.[Source]\n"
        f"    WHERE t.{name} IS NOT NULL;\n"
        "    SET @total = @@ROWCOUNT;\n"
        f"    INSERT INTO {log} ([MapSha256], [ColumnName], [RowsChanged]) VALUES "
        f"({_text(sha256)}, {_text(column.target_label)}, @total);\n"
        "    COMMIT TRANSACTION;\n"
        "END"
    )
    yield _summary(column)


def _log_table() -> str:
    log = qualified(LOG_SCHEMA, LOG_TABLE)
    return (
        f"IF OBJECT_ID({_text(f'{LOG_SCHEMA}.{LOG_TABLE}')}, N'U') IS NULL\n"
        f"    CREATE TABLE {log} ([MapSha256] char(64) NOT NULL, "
        "[ColumnName] nvarchar(400) NOT NULL, [RowsChanged] bigint NOT NULL, "
        f"CONSTRAINT {quote('PK_' + LOG_TABLE)} PRIMARY KEY ([MapSha256], [ColumnName]))"
    )


def remap_script(
    tmap: TransformationMap, columns: Sequence[CatalogColumn], chunk_rows: int = 50_000
) -> str:
    """The script for these catalogued columns (sorted by the caller: catalog order)."""
    chains = tmap.has_chains()
    sha256 = tmap.sha256()
    header = [
        "osddl uat-users: remap QA user ids to UAT user ids in a database loaded with QA ids.",
        f"Transformation map sha256 {sha256}: {len(tmap.entries)} source ids, "
        f"{len(columns)} columns.",
        "Only the map's source ids (the orphans) change; NULLs never change; "
        "a second run changes 0 rows.",
    ]
    if chains:
        header.append(
            f"Some targets are also sources: finished columns are recorded in "
            f"{LOG_SCHEMA}.{LOG_TABLE} (drop it after the run)."
        )
    statements = ["SET XACT_ABORT ON", "SET NOCOUNT ON"]
    statements.append("DECLARE @rows bigint = 0, @total bigint = 0, @done bit = 0")
    statements += _mapping_table(tmap)
    if chains:
        statements.append(_log_table())
    for column in columns if tmap.entries else ():
        statements += _logged(column, sha256) if chains else _chunked(column, chunk_rows)
    statements.append(f"DROP TABLE {MAP_TABLE}")
    return script(header, _joined(statements))


def _joined(statements: list[str]) -> list[str]:
    """A `-- comment` line is printed above the statement that follows it."""
    out: list[str] = []
    pending = ""
    for statement in statements:
        if statement.startswith("-- "):
            pending = statement + "\n"
            continue
        out.append(pending + statement)
        pending = ""
    return out

"""02_apply_user_remap.sql: valid T-SQL, typed mapping table in batches of at most 1000 rows,
NULL guards, chunked transactions, and a logged form when a target is also a source."""

from __future__ import annotations

import re

import pytest
import sqlglot
from sqlglot import exp

from osddl.uat_users.catalog import CatalogColumn
from osddl.uat_users.ids import IdKind, UserId
from osddl.uat_users.remap_sql import LOG_TABLE, remap_script
from osddl.uat_users.transform import MapEntry, TransformationMap

COLUMNS = (
    CatalogColumn("dbo", "OSUSR_A_ORDER", "CREATEDBY", "A", "Order", "CreatedBy", "int",
                  "Order", "CreatedBy", constraint=None, logical=True, included=False),
    CatalogColumn("sales", "OSUSR_A_O]DD", "UPD$(X)", "A", "Odd", "Upd", "int",
                  "O]dd", "Upd$(X)", constraint="FK_ODD", logical=False, included=False),
)  # fmt: skip


def tmap(pairs: dict[UserId, UserId], kind: IdKind = "int") -> TransformationMap:
    entries = tuple(MapEntry(s, t, "manual", "manual", "orphan_known") for s, t in pairs.items())
    return TransformationMap(kind, entries, ())


def statements(sql: str) -> list[exp.Expression]:
    parsed = [s for s in sqlglot.parse(sql, read="tsql") if s is not None]
    for statement in parsed:
        if isinstance(statement, exp.Command):
            assert statement.this.upper() == "PRINT", statement.sql()[:80]
    return parsed


@pytest.mark.parametrize(
    ("kind", "pairs", "sql_type"),
    [
        ("int", {7: 5900, 13: 5901}, "bigint"),
        ("guid", {"6F9619FF-8B86-D011-B42D-00C04FC964FF": "00000000-0000-0000-0000-00000000000A"},
         "uniqueidentifier"),
        ("text", {"u'7": "u5900"}, "nvarchar(450) COLLATE DATABASE_DEFAULT"),
    ],
)  # fmt: skip
def test_script_parses_and_types_the_mapping_table(
    kind: IdKind, pairs: dict[UserId, UserId], sql_type: str
) -> None:
    sql = remap_script(tmap(pairs, kind), COLUMNS, chunk_rows=500)
    parsed = statements(sql)
    assert f"[Source] {sql_type} NOT NULL PRIMARY KEY" in sql
    assert sql.endswith("\n") and "\r" not in sql
    updates = [u for s in parsed for u in s.find_all(exp.Update)]
    assert len(updates) == len(COLUMNS)
    assert sql.count("TOP (500)") == len(COLUMNS)
    assert len(re.findall(r"WHERE t\.\[[^\n]*\] IS NOT NULL", sql)) == len(COLUMNS)
    assert "[sales].[O]]dd] AS t" in sql
    assert "$(" not in sql.replace("[Upd$(X)]", "")  # sqlcmd variables only inside brackets
    assert LOG_TABLE not in sql


def test_mapping_rows_come_in_batches_of_at_most_1000() -> None:
    sql = remap_script(tmap({n: n + 10_000 for n in range(1, 2501)}), COLUMNS[:1])
    inserts = [i for s in statements(sql) for i in s.find_all(exp.Insert)]
    sizes = [len(i.expression.expressions) for i in inserts]
    assert sizes == [1000, 1000, 500]


def test_a_target_that_is_also_a_source_switches_to_logged_columns() -> None:
    sql = remap_script(tmap({5: 5005, 7: 5}), COLUMNS)
    statements(sql)
    assert f"CREATE TABLE [dbo].[{LOG_TABLE}]" in sql
    assert "TOP (" not in sql
    assert len(re.findall(rf"INSERT INTO \[dbo\]\.\[{LOG_TABLE}\]", sql)) == len(COLUMNS)
    assert len(re.findall(r"WHERE t\.\[[^\n]*\] IS NOT NULL", sql)) == len(COLUMNS)


def test_an_empty_map_updates_nothing() -> None:
    sql = remap_script(tmap({}), COLUMNS)
    assert not [u for s in statements(sql) for u in s.find_all(exp.Update)]
    assert "0 source ids, 2 columns" in sql


def test_a_script_with_hundreds_of_column_blocks_reads_back_flat() -> None:
    """sqlglot nests every statement after a T-SQL IF: the reader parses each top-level statement
    alone, so the depth does not grow with the number of columns (it overflowed at ~35)."""
    import sys

    from osddl.uat_users.remap_check import _parse

    block = (
        "IF OBJECT_ID(N'tempdb..#m') IS NOT NULL DROP TABLE #m;\n"
        "WHILE 1 = 1\nBEGIN\n    BEGIN TRANSACTION;\n    UPDATE t SET c = 1;\n"
        "    COMMIT TRANSACTION;\n    IF @rows = 0 BREAK;\nEND;\n"
    )
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(400)
    try:
        statements = _parse(block * 300)
    finally:
        sys.setrecursionlimit(limit)
    assert len(statements) == 600

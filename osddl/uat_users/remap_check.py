"""`02_apply_user_remap.sql` read back with sqlglot, independently of `remap_sql`: its mapping
pairs, the columns its UPDATEs touch and their NULL guards."""

from __future__ import annotations

import logging
from collections.abc import Collection, Sequence
from dataclasses import dataclass

import sqlglot
from sqlglot import TokenType, exp
from sqlglot.dialects.tsql import TSQL

from osddl.model.sqltype import parse_sql_type
from osddl.tsql import parse_literal
from osddl.uat_users.catalog import CatalogColumn
from osddl.uat_users.ids import MAPPING_SQL_TYPES, UserId, canonical, sort_key
from osddl.uat_users.outcome import Outcome, shown
from osddl.uat_users.remap_sql import MAP_TABLE
from osddl.uat_users.transform import TransformationMap


@dataclass(frozen=True)
class ScriptCheck:
    outcome: Outcome
    pairs: dict[UserId, UserId]  # source → target read from the script
    columns: frozenset[str]  # updated columns as `schema.table.column` (target names), folded


def _parse(text: str) -> list[exp.Expression]:
    """The script's statements; PRINT stays an opaque command (sqlglot has no PRINT node).

    sqlglot reads a T-SQL `IF` as holding every later statement, so a whole script parsed at once
    nests one level per column block; each top-level statement is parsed on its own instead."""
    logger = logging.getLogger("sqlglot")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        parsed = [s for piece in _statements(text) for s in sqlglot.parse(piece, read="tsql")]
    finally:
        logger.setLevel(level)
    return [s for s in parsed if isinstance(s, exp.Expression)]


def _statements(text: str) -> list[str]:
    """The top-level statements of a script: split at `;` outside BEGIN…END and CASE…END
    (`BEGIN TRANSACTION` opens no block)."""
    tokens = TSQL().tokenize(text) if text.strip() else []
    pieces, start, depth = [], 0, 0
    for index, token in enumerate(tokens):
        following = tokens[index + 1].text.upper() if index + 1 < len(tokens) else ""
        if token.token_type in (TokenType.BEGIN, TokenType.CASE) and following not in _NO_BLOCK:
            depth += 1
        elif token.token_type == TokenType.END:
            depth = max(depth - 1, 0)
        elif token.token_type == TokenType.SEMICOLON and depth == 0:
            pieces.append(text[start : token.end + 1])
            start = token.end + 1
    rest = text[start:]
    return [p for p in (*pieces, rest) if p.strip()]


_NO_BLOCK = frozenset({"TRANSACTION", "TRAN"})


def _is_map_table(node: exp.Expression) -> bool:
    table = node.this if isinstance(node, exp.Schema) else node
    return isinstance(table, exp.Table) and table.name.casefold() == MAP_TABLE[1:].casefold()


def _script_pairs(
    statements: list[exp.Expression], tmap: TransformationMap, outcome: Outcome
) -> dict[UserId, UserId]:
    sql_type = parse_sql_type(MAPPING_SQL_TYPES[tmap.kind])
    pairs: dict[UserId, UserId] = {}
    for statement in statements:
        for insert in statement.find_all(exp.Insert):
            if not _is_map_table(insert.this) or not isinstance(insert.expression, exp.Values):
                continue
            for row in insert.expression.expressions:
                try:
                    source, target = (
                        parse_literal(value.sql(dialect="tsql"), sql_type)
                        for value in row.expressions
                    )
                except ValueError as error:
                    outcome.fail("script-sources-are-orphans", f"unreadable mapping row: {error}")
                    continue
                if source is None or target is None:
                    outcome.fail("script-null-guards", "a mapping row holds NULL")
                    continue
                key = canonical(source, tmap.kind)
                if key in pairs:
                    outcome.fail("script-sources-are-orphans", f"source {shown(key)} twice")
                pairs[key] = canonical(target, tmap.kind)
    return pairs


def _column_name(node: exp.Expression) -> str:
    return node.name.casefold() if isinstance(node, exp.Column) else ""


def _guarded(where: exp.Expression | None, column: str) -> bool:
    """The WHERE holds `NOT <column> IS NULL` for the updated column."""
    if where is None:
        return False
    for negation in where.find_all(exp.Not):
        inner = negation.this
        if (
            isinstance(inner, exp.Is)
            and isinstance(inner.expression, exp.Null)
            and _column_name(inner.this) == column
        ):
            return True
    return False


def _updated_columns(statements: list[exp.Expression], outcome: Outcome) -> set[str]:
    """`schema.table.column` of every UPDATE joined to the mapping table, with its guard checked."""
    found: set[str] = set()
    for statement in statements:
        for update in statement.find_all(exp.Update):
            select = update.find(exp.Select)  # the chunked form: an updatable CTE
            source = select if select is not None else update
            joins = [j for j in source.find_all(exp.Join) if _is_map_table(j.this)]
            table = source.find(exp.From)
            if not joins or table is None or not isinstance(table.this, exp.Table):
                outcome.fail("script-columns", f"an UPDATE is not joined to {MAP_TABLE}")
                continue
            condition = joins[0].args.get("on")
            columns = [
                c
                for c in (condition.find_all(exp.Column) if condition else [])
                if c.name.casefold() != "source"
            ]
            if len(columns) != 1:
                outcome.fail("script-columns", "an UPDATE joins the map on no single column")
                continue
            name = columns[0].name
            target = table.this
            label = f"{target.db}.{target.name}.{name}".casefold()
            found.add(label)
            if not _guarded(source.args.get("where"), name.casefold()):
                outcome.fail("script-null-guards", f"{label}: no `IS NOT NULL` guard")
    return found


def check_script(
    text: str,
    columns: Sequence[CatalogColumn],
    tmap: TransformationMap,
    uat_ids: Collection[UserId],
) -> ScriptCheck:
    """Parse `02_apply_user_remap.sql` back: its pairs are exactly the map, its targets UAT ids,
    every UPDATE is guarded against NULL, and it updates exactly the catalogued columns."""
    outcome = Outcome()
    outcome.check(
        "script-sources-are-orphans",
        "script-targets-in-uat",
        "script-null-guards",
        "script-columns",
    )
    try:
        statements = _parse(text)
    except sqlglot.errors.SqlglotError as error:
        outcome.fail("script-columns", f"the script does not parse: {str(error).splitlines()[0]}")
        return ScriptCheck(outcome, {}, frozenset())
    pairs = _script_pairs(statements, tmap, outcome)
    for source in sorted(set(pairs) ^ tmap.sources, key=sort_key):
        where = "the script" if source in pairs else "the map"
        outcome.fail("script-sources-are-orphans", f"source {shown(source)} only in {where}")
    allowed = frozenset(uat_ids)
    for source, target in sorted(pairs.items(), key=lambda p: sort_key(p[0])):
        if target not in allowed:
            outcome.fail("script-targets-in-uat", f"target {shown(target)} is not a UAT id")
        mapped = tmap.target_of(source)
        if mapped is not None and mapped != target:
            outcome.fail(
                "script-targets-in-uat",
                f"source {shown(source)} goes to {shown(target)}, the map says {shown(mapped)}",
            )
    updated = _updated_columns(statements, outcome)
    wanted = {c.target_label.casefold() for c in columns} if tmap.entries else set()
    for label in sorted(updated ^ wanted):
        where = "updated but not catalogued" if label in updated else "catalogued, not updated"
        outcome.fail("script-columns", f"{label}: {where}")
    return ScriptCheck(outcome, pairs, frozenset(updated))

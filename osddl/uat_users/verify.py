"""The uat-users verifier core: are the emitted values exactly the snapshot mapped through the
transformation map, and does the UPDATE script carry exactly that map?

Independent of the renderer: the caller reads the emitted INSERT scripts back (with
`osddl.tsql.parse_literal`) and feeds plain `(table, column, original, emitted)` rows, where
`table` is `schema.table` (physical), `column` the physical column, `original` the snapshot's value
and `emitted` the value read back (None for NULL). The UPDATE script is parsed back here with
sqlglot. Expected counts come from the snapshot scan (`discovery.ColumnIds`). Every rule has a
status; a failure keeps a count and the first samples.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import sqlglot
from sqlglot import exp

from osddl.model.sqltype import parse_sql_type
from osddl.tsql import parse_literal
from osddl.uat_users.catalog import Catalog, CatalogColumn, ColumnKey
from osddl.uat_users.discovery import ColumnIds
from osddl.uat_users.ids import MAPPING_SQL_TYPES, UserId, canonical, id_text, sort_key
from osddl.uat_users.remap_sql import MAP_TABLE
from osddl.uat_users.transform import TransformationMap

VERIFICATION_VERSION: Final = "osddl.uat-users.verification/1"
SAMPLES: Final = 20

ValueRow = tuple[str, str, object, object]  # (schema.table, column, original, emitted)

# Rule → what it proves; the order of the verification document.
VERIFY_RULES: Final[dict[str, str]] = {
    "catalogued-columns-only": "Every value read back belongs to a catalogued column.",
    "values-are-uat-ids": "Every emitted non-NULL value is a UAT user id.",
    "no-orphan-left": "No emitted value is an orphan id (a map source that is no target).",
    "nulls-preserved": "NULL stays NULL, a value never becomes NULL; NULL counts equal the "
    "snapshot's.",
    "row-counts": "Every catalogued column has as many rows as its snapshot.",
    "mapped-values": "Every emitted value is the snapshot value mapped through the map "
    "(row by row, and as a multiset per column).",
    "script-sources-are-orphans": "The UPDATE script's source ids are exactly the map's.",
    "script-targets-in-uat": "The UPDATE script's targets are UAT ids and equal the map's.",
    "script-null-guards": "Every UPDATE touches only non-NULL values of its column.",
    "script-columns": "The UPDATE script updates exactly the catalogued columns.",
    "insert-update-cross-check": "Per column, the rows the INSERTs changed equal the rows the "
    "UPDATE script would change.",
}


@dataclass
class Outcome:
    """Failures per rule (count and the first samples); rules never touched are not-checked."""

    checked: set[str] = field(default_factory=set)
    failures: dict[str, int] = field(default_factory=dict)
    samples: dict[str, list[str]] = field(default_factory=dict)

    def check(self, *rules: str) -> None:
        self.checked.update(rules)

    def fail(self, rule: str, detail: str) -> None:
        self.checked.add(rule)
        self.failures[rule] = self.failures.get(rule, 0) + 1
        own = self.samples.setdefault(rule, [])
        if len(own) < SAMPLES:
            own.append(detail)

    def merge(self, other: Outcome) -> Outcome:
        merged = Outcome(set(self.checked | other.checked), dict(self.failures), {})
        for rule, count in other.failures.items():
            merged.failures[rule] = merged.failures.get(rule, 0) + count
        for source in (self.samples, other.samples):
            for rule, samples in source.items():
                merged.samples.setdefault(rule, []).extend(samples)
        for rule in merged.samples:
            merged.samples[rule] = merged.samples[rule][:SAMPLES]
        return merged

    @property
    def passed(self) -> bool:
        return not self.failures


@dataclass(frozen=True)
class ColumnStats:
    rows: int
    nulls: int
    changed: int  # rows whose emitted value differs from the original


@dataclass(frozen=True)
class ValuesCheck:
    outcome: Outcome
    columns: dict[ColumnKey, ColumnStats]


@dataclass(frozen=True)
class ScriptCheck:
    outcome: Outcome
    pairs: dict[UserId, UserId]  # source → target read from the script
    columns: frozenset[str]  # updated columns as `schema.table.column` (target names), folded


def _show(value: object) -> str:
    return "NULL" if value is None else repr(value)


# --- the emitted values ------------------------------------------------------------------------


class _ColumnTally:
    def __init__(self) -> None:
        self.rows = 0
        self.nulls = 0
        self.changed = 0
        self.emitted: Counter[UserId] = Counter()


def check_values(
    rows: Iterable[ValueRow],
    catalog: Catalog,
    tmap: TransformationMap,
    uat_ids: Collection[UserId],
    expected: Sequence[ColumnIds],
) -> ValuesCheck:
    """Row by row: UAT ids only, no orphan left, NULLs kept, value = map(original). Per column:
    rows and NULLs equal the snapshot's, and the emitted multiset equals the mapped snapshot."""
    outcome = Outcome()
    outcome.check(
        "catalogued-columns-only",
        "values-are-uat-ids",
        "no-orphan-left",
        "nulls-preserved",
        "row-counts",
        "mapped-values",
    )
    columns = {c.key: c for c in catalog.columns}
    allowed = frozenset(uat_ids)
    leftover = tmap.sources - tmap.targets - frozenset(tmap.kept)
    tallies: dict[ColumnKey, _ColumnTally] = {}
    for table_id, name, original, emitted in rows:
        schema, _, table = table_id.partition(".")
        key = (schema.casefold(), table.casefold(), name.casefold())
        column = columns.get(key)
        if column is None:
            outcome.fail("catalogued-columns-only", f"{table_id}.{name} is not catalogued")
            continue
        tally = tallies.setdefault(key, _ColumnTally())
        _check_row(outcome, column, tmap, allowed, leftover, tally, original, emitted)
    for scanned in expected:
        _check_column(outcome, scanned, tmap, tallies.get(scanned.column.key, _ColumnTally()))
    stats = {k: ColumnStats(t.rows, t.nulls, t.changed) for k, t in tallies.items()}
    return ValuesCheck(outcome, stats)


def _check_row(
    outcome: Outcome,
    column: CatalogColumn,
    tmap: TransformationMap,
    allowed: frozenset[UserId],
    leftover: frozenset[UserId],
    tally: _ColumnTally,
    original: object,
    emitted: object,
) -> None:
    label = column.label
    before = None if original is None else canonical(original, tmap.kind)
    after = None if emitted is None else canonical(emitted, tmap.kind)
    tally.rows += 1
    if after is None:
        tally.nulls += 1
    else:
        tally.emitted[after] += 1
    if before != after:
        tally.changed += 1
    if (before is None) != (after is None):
        outcome.fail("nulls-preserved", f"{label}: {_show(before)} became {_show(after)}")
    if after is not None and after not in allowed:
        outcome.fail("values-are-uat-ids", f"{label}: {_show(after)} is not a UAT id")
    if after is not None and after in leftover:
        outcome.fail("no-orphan-left", f"{label}: orphan id {_show(after)} is still there")
    wanted = tmap.apply(before)
    if after != wanted:
        outcome.fail(
            "mapped-values", f"{label}: {_show(before)} became {_show(after)}, not {_show(wanted)}"
        )


def _check_column(
    outcome: Outcome, scanned: ColumnIds, tmap: TransformationMap, tally: _ColumnTally
) -> None:
    label = scanned.column.label
    if tally.rows != scanned.rows:
        outcome.fail("row-counts", f"{label}: {tally.rows} rows, the snapshot has {scanned.rows}")
    if tally.nulls != scanned.nulls:
        outcome.fail(
            "nulls-preserved", f"{label}: {tally.nulls} NULLs, the snapshot has {scanned.nulls}"
        )
    wanted: Counter[UserId] = Counter()
    for user_id, count in scanned.counts:
        mapped = tmap.apply(user_id)
        if mapped is not None:
            wanted[mapped] += count
    if wanted != tally.emitted:
        differing = sorted(
            set(wanted) ^ set(tally.emitted)
            | {k for k in wanted if wanted[k] != tally.emitted.get(k)},
            key=sort_key,
        )
        shown = ", ".join(
            f"{id_text(k)}: {tally.emitted.get(k, 0)} rows, expected {wanted.get(k, 0)}"
            for k in differing[:5]
        )
        outcome.fail(
            "mapped-values", f"{label}: emitted values differ from the mapped snapshot ({shown})"
        )


# --- the UPDATE script -------------------------------------------------------------------------


def _parse(text: str) -> list[exp.Expression]:
    """The script's statements; PRINT stays an opaque command (sqlglot has no PRINT node)."""
    logger = logging.getLogger("sqlglot")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        parsed = sqlglot.parse(text, read="tsql")
    finally:
        logger.setLevel(level)
    return [s for s in parsed if isinstance(s, exp.Expression)]


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
                    outcome.fail("script-sources-are-orphans", f"source {_show(key)} twice")
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
        outcome.fail("script-sources-are-orphans", f"source {_show(source)} only in {where}")
    allowed = frozenset(uat_ids)
    for source, target in sorted(pairs.items(), key=lambda p: sort_key(p[0])):
        if target not in allowed:
            outcome.fail("script-targets-in-uat", f"target {_show(target)} is not a UAT id")
        mapped = tmap.target_of(source)
        if mapped is not None and mapped != target:
            outcome.fail(
                "script-targets-in-uat",
                f"source {_show(source)} goes to {_show(target)}, the map says {_show(mapped)}",
            )
    updated = _updated_columns(statements, outcome)
    wanted = {c.target_label.casefold() for c in columns} if tmap.entries else set()
    for label in sorted(updated ^ wanted):
        where = "updated but not catalogued" if label in updated else "catalogued, not updated"
        outcome.fail("script-columns", f"{label}: {where}")
    return ScriptCheck(outcome, pairs, frozenset(updated))


# --- both paths --------------------------------------------------------------------------------


def cross_check(values: ValuesCheck, script: ScriptCheck, expected: Sequence[ColumnIds]) -> Outcome:
    """Per column: rows the INSERTs changed = snapshot rows whose id the script remaps."""
    outcome = Outcome()
    outcome.check("insert-update-cross-check")
    for scanned in expected:
        would = sum(
            count
            for user_id, count in scanned.counts
            if user_id in script.pairs and script.pairs[user_id] != user_id
        )
        stats = values.columns.get(scanned.column.key)
        did = stats.changed if stats else 0
        if did != would:
            outcome.fail(
                "insert-update-cross-check",
                f"{scanned.column.label}: the INSERTs changed {did} rows, the UPDATE script "
                f"would change {would}",
            )
    return outcome


def verification_document(tmap: TransformationMap, outcome: Outcome) -> dict[str, Any]:
    """`uat-users-verification.json`: status per rule (pass, fail, not-checked) and overall."""
    rules = []
    for rule, description in VERIFY_RULES.items():
        failed = outcome.failures.get(rule, 0)
        status = "fail" if failed else "pass" if rule in outcome.checked else "not-checked"
        rules.append(
            {
                "rule": rule,
                "description": description,
                "status": status,
                "failures": failed,
                "samples": sorted(outcome.samples.get(rule, [])),
            }
        )
    return {
        "schemaVersion": VERIFICATION_VERSION,
        "status": "pass" if outcome.passed and outcome.checked else "fail",
        "mapSha256": tmap.sha256(),
        "rules": rules,
    }


def verify(
    rows: Iterable[ValueRow],
    script_text: str,
    catalog: Catalog,
    tmap: TransformationMap,
    uat_ids: Collection[UserId],
    expected: Sequence[ColumnIds],
) -> dict[str, Any]:
    """Every rule at once: the values, the script, and the cross-check; the document."""
    values = check_values(rows, catalog, tmap, uat_ids, expected)
    script = check_script(script_text, catalog.columns, tmap, uat_ids)
    both = values.outcome.merge(script.outcome).merge(cross_check(values, script, expected))
    return verification_document(tmap, both)

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

from collections import Counter
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from osddl.uat_users.catalog import Catalog, CatalogColumn, ColumnKey
from osddl.uat_users.discovery import ColumnIds
from osddl.uat_users.ids import UserId, canonical, id_text, sort_key
from osddl.uat_users.outcome import Outcome, shown
from osddl.uat_users.transform import TransformationMap

if TYPE_CHECKING:
    from osddl.uat_users.remap_check import ScriptCheck

VERIFICATION_VERSION: Final = "osddl.uat-users.verification/1"

ValueRow = tuple[str, str, object, object]  # (schema.table, column, original, emitted)

# Rule → what it proves; the order of the verification document.
VERIFY_RULES: Final[dict[str, str]] = {
    "inserts-read-back": "The INSERTs (and deferred UPDATEs) of every table with catalogued "
    "columns are read back: each table once, every row paired by key with one snapshot row.",
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


@dataclass(frozen=True)
class ColumnStats:
    rows: int
    nulls: int
    changed: int  # rows whose emitted value differs from the original


@dataclass(frozen=True)
class ValuesCheck:
    outcome: Outcome
    columns: dict[ColumnKey, ColumnStats]


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
        outcome.fail("nulls-preserved", f"{label}: {shown(before)} became {shown(after)}")
    if after is not None and after not in allowed:
        outcome.fail("values-are-uat-ids", f"{label}: {shown(after)} is not a UAT id")
    if after is not None and after in leftover:
        outcome.fail("no-orphan-left", f"{label}: orphan id {shown(after)} is still there")
    wanted = tmap.apply(before)
    if after != wanted:
        outcome.fail(
            "mapped-values", f"{label}: {shown(before)} became {shown(after)}, not {shown(wanted)}"
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
    read: Outcome | None = None,
) -> dict[str, Any]:
    """Every rule at once: the values, the script, and the cross-check; the document. `read`:
    what the caller's reader could not read back (`inserts-read-back`), filled while `rows` is
    consumed."""
    from osddl.uat_users.remap_check import check_script  # sqlglot: loaded by this proof only

    values = check_values(rows, catalog, tmap, uat_ids, expected)
    script = check_script(script_text, catalog.columns, tmap, uat_ids)
    both = values.outcome.merge(script.outcome).merge(cross_check(values, script, expected))
    return verification_document(tmap, both.merge(read) if read is not None else both)

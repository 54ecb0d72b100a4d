"""Loadable-pair verifier: proves the emitted schema accepts the emitted data, in every mode.

It reads artifacts only: `decisions.json` (which constraints the SSDT project emits), `model.json`
(which tables are emitted and where their rows are) and the data snapshots (`data/*.parquet`, the
rows the DynamicData INSERTs and the static seeds carry). Whatever the policy mode, a constraint
the data would break is a failure listing the rows SQL Server would refuse:

- `null`: NULLs in a column the decisions make NOT NULL;
- `duplicate`: duplicate keys under an enforced unique index (SQL Server compares NULLs as equal
  in an unfiltered index; a filtered index is taken as `WHERE <keys> IS NOT NULL`; text keys are
  compared as the default case-insensitive collation does, trailing spaces ignored);
- `orphan`: child values without a parent row under an FK created WITH CHECK (FKs to platform
  tables are created after the load, once user ids are UAT ids, and proven by uat-users).

With `policy.apply_remediation_in_export`, the INSERTs carry the remediation ledger's changes
(`osddl.export.remediation`): the checks above then run on the snapshots with the ledger applied,
and the ledger itself is proven (`ledger` failures): every entry's old value is the snapshot's,
and the emitted INSERTs (read back, deferred UPDATEs applied) differ from the snapshot in exactly
the ledger's cells, with its new values, for every column a remediation may change.

Pure apart from reading the snapshots and scripts: callers pass the model, the decisions, the
selection and the ledger.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Final

import pyarrow.parquet as pq

from osddl.export.remediation import (
    RemediationLedger,
    arrow_value,
    checked_references,
    comparable,
    json_value,
    remediable_table,
    row_keys,
)
from osddl.layout import path
from osddl.model.contract import Entity, Model
from osddl.model.sqltype import parse_sql_type
from osddl.policy.contract import DecidedReference, DecidedUnique, DecisionsDocument
from osddl.proofs.uat_users import value_rows
from osddl.selection import Selection, table_id
from osddl.tsql.scan import UnreadableBatch, Update, batches, statements
from osddl.uat_users.outcome import Outcome

VERSION: Final = "osddl.loadable-verification/1"
SAMPLE_LIMIT: Final = 10
HINT: Final = (
    "fix the data with the remediation pack (out/ssdt/Remediation/) and rerun, or choose a "
    "mode or override that does not emit this constraint (policy.mode, policy.keep_nullable), or "
    "let the INSERTs carry the remediation (policy.apply_remediation_in_export, with "
    "policy.fallback_parents for orphans of NOT NULL references)"
)
LEDGER_HINT: Final = (
    "the INSERTs and out/proofs/remediation-ledger.json disagree: rerun doit full_export "
    "(delete the edited file first); never edit either by hand"
)

TableKey = tuple[str, str]


def _key(schema: str, table: str) -> TableKey:
    return (schema.casefold(), table.casefold())


_comparable = comparable


@dataclass
class _Rows:
    """One emitted table's snapshot, read on demand, columns by case-insensitive name."""

    file: str
    full: Path
    entity: Entity
    _columns: dict[str, list[Any]] | None = None

    def column(self, name: str) -> list[Any] | None:
        if self._columns is None:
            table = pq.read_table(self.full)
            self._columns = {n.casefold(): table.column(n).to_pylist() for n in table.column_names}
        return self._columns.get(name.casefold())


class _Check:
    def __init__(self, decisions: DecisionsDocument, tables: dict[TableKey, _Rows]) -> None:
        self.tables = tables
        self.pk: dict[TableKey, str] = {}
        for c in decisions.columns:
            if c.signal == "pk":
                self.pk.setdefault(_key(c.schema, c.table), c.column)
        self.failures: list[dict[str, Any]] = []
        self.counts = {"notNull": 0, "unique": 0, "foreignKeys": 0}

    def samples(self, key: TableKey, rows: Iterable[int]) -> list[Any]:
        """Up to SAMPLE_LIMIT primary-key values (else row numbers) of the offending rows."""
        ids = self.tables[key].column(self.pk.get(key, ""))
        return [ids[r] if ids is not None else r for r in list(rows)[:SAMPLE_LIMIT]]

    def fail(self, kind: str, constraint: str, rows: int, key: TableKey, **more: Any) -> None:
        self.failures.append(
            {
                "kind": kind,
                "constraint": constraint,
                "file": self.tables[key].file if key in self.tables else "",
                "rows": rows,
                **more,
                "hint": LEDGER_HINT if kind == "ledger" else HINT,
            }
        )


def _nulls(check: _Check, decisions: DecisionsDocument) -> None:
    for c in decisions.columns:
        key = _key(c.schema, c.table)
        values = check.tables[key].column(c.column) if key in check.tables else None
        if not c.make_not_null or values is None:
            continue
        check.counts["notNull"] += 1
        rows = [r for r, v in enumerate(values) if v is None]
        if rows:
            detail = f"{len(rows)} NULLs under NOT NULL ({c.module}::{c.entity}.{c.attribute})"
            check.fail(
                "null", c.physical, len(rows), key, detail=detail, samples=check.samples(key, rows)
            )


def _nulls_at_insert(check: _Check, decisions: DecisionsDocument, model: Model, out: Path) -> None:
    """A deferred UPDATE (a forward self-reference) sets a value its row was INSERTed without:
    that INSERT carried NULL, which SQL Server refuses under NOT NULL even though the UPDATE
    would fix it later."""
    script = out / path("deferred_updates")
    if not script.is_file():
        return
    physical = {
        (e.schema.casefold(), e.emitted_name.casefold(), a.emitted_name.casefold()): (
            _key(e.schema, e.physical_name),
            a.physical_name.casefold(),
        )
        for m in model.modules
        for e in m.entities
        for a in e.attributes
    }
    tightened = {
        (_key(c.schema, c.table), c.column.casefold()): c
        for c in decisions.columns
        if c.make_not_null
    }
    deferred: Counter[tuple[TableKey, str]] = Counter()
    for batch in batches(script):
        try:
            found = statements(batch.text)
        except UnreadableBatch:
            continue  # verify:order reports a script it cannot read
        for statement in found:
            if isinstance(statement, Update):
                schema, table = statement.table
                for column, _ in statement.sets:
                    where = physical.get((schema.casefold(), table.casefold(), column.casefold()))
                    if where in tightened:
                        deferred[where] += 1
    for place, count in sorted(deferred.items()):
        key, c = place[0], tightened[place]
        check.fail(
            "null-at-insert",
            c.physical,
            count,
            key,
            detail=f"{count} rows are INSERTed with NULL in NOT NULL {c.module}::{c.entity}."
            f"{c.attribute} and set by deferred_updates.sql (a forward self-reference); keep "
            f"the column nullable (policy.keep_nullable) or load the parents first",
        )


def _unique_rows(check: _Check, u: DecidedUnique, filtered: bool) -> list[int] | None:
    """Rows whose key another row shares; a filtered index skips keys with a NULL."""
    rows = check.tables[_key(u.schema, u.table)]
    columns: list[list[Any]] = []
    for name in u.columns:
        values = rows.column(name)
        if values is None:
            return None
        columns.append(values)
    keys: list[tuple[Any, ...] | None] = [
        tuple(_comparable(v) for v in row) for row in zip(*columns, strict=True)
    ]
    if filtered:
        keys = [k if k is not None and None not in k else None for k in keys]
    seen = Counter(k for k in keys if k is not None)
    return [r for r, k in enumerate(keys) if k is not None and seen[k] > 1]


def _duplicates(check: _Check, decisions: DecisionsDocument, filtered: set[str]) -> None:
    for u in decisions.unique_indexes:
        key = _key(u.schema, u.table)
        if not u.enforce_unique or key not in check.tables:
            continue
        found = _unique_rows(check, u, u.physical.casefold() in filtered)
        if found is None:
            continue
        check.counts["unique"] += 1
        rows = found
        if rows:
            keys = ", ".join(u.attributes)
            detail = f"{len(rows)} rows share a key of the unique index ({keys})"
            check.fail(
                "duplicate",
                u.physical,
                len(rows),
                key,
                detail=detail,
                samples=check.samples(key, rows),
            )


def _orphan_rows(check: _Check, r: DecidedReference) -> list[int] | None:
    child = check.tables[_key(r.schema, r.table)].column(r.column)
    parent_rows = check.tables.get(_key(r.referenced_schema, r.referenced_table))
    parent = parent_rows.column(r.referenced_column or "Id") if parent_rows else None
    if child is None or parent is None:
        return None
    known = {_comparable(v) for v in parent}
    return [n for n, v in enumerate(child) if v is not None and _comparable(v) not in known]


def _orphans(check: _Check, decisions: DecisionsDocument, selection: Selection) -> None:
    checked = checked_references(decisions, selection)
    for r in decisions.references:
        key = _key(r.schema, r.table)
        if not (r.create_fk and r.with_check) or key not in check.tables:
            continue
        if r not in checked:
            continue  # platform: created after the uat-users remap; missing: the order proof's
        rows = _orphan_rows(check, r)
        if rows is None:
            continue
        check.counts["foreignKeys"] += 1
        if rows:
            target = f"{r.referenced_schema}.{r.referenced_table}"
            detail = f"{len(rows)} rows reference no row of {target} ({r.module}::{r.entity}."
            check.fail(
                "orphan",
                r.physical,
                len(rows),
                key,
                detail=f"{detail}{r.attribute})",
                samples=check.samples(key, rows),
            )


def filtered_indexes(model: Model) -> set[str]:
    """`schema.table.index` (casefolded) of the model's filtered indexes."""
    return {
        f"{e.schema}.{e.physical_name}.{i.name}".casefold()
        for m in model.modules
        for e in m.entities
        for i in e.indexes
        if i.filter
    }


def emitted_rows(selection: Selection, out: Path) -> dict[TableKey, _Rows]:
    """Each emitted table's snapshot (exported rows and static seeds) that exists under out/."""
    found: dict[TableKey, _Rows] = {}
    members: list[tuple[str, Entity]] = [
        *(("snapshot", e) for _, e in selection.exported),
        *(("static_snapshot", e) for _, e in selection.static),
    ]
    for kind, entity in members:
        relative = path(kind, entity=entity)
        if (out / relative).is_file():
            found[_key(entity.schema, entity.physical_name)] = _Rows(
                relative, out / relative, entity
            )
    return found


def verify_loadable(
    model: Model,
    decisions: DecisionsDocument,
    selection: Selection,
    out: Path,
    ledger: RemediationLedger | None = None,
) -> dict[str, Any]:
    """The proof document: what was checked, the verdict, and every failure with samples.
    `ledger`: the remediation ledger; when applied, the data is the snapshots with its changes,
    and the ledger is proven against the snapshots and the emitted INSERTs."""
    check = _Check(decisions, emitted_rows(selection, out))
    applied = ledger is not None and ledger.applied
    if ledger is not None and applied:
        _apply_ledger(check, ledger)
        _check_emitted(check, decisions, selection, ledger, out)
    _nulls(check, decisions)
    _nulls_at_insert(check, decisions, model, out)
    _duplicates(check, decisions, filtered_indexes(model))
    _orphans(check, decisions, selection)
    failures = sorted(check.failures, key=lambda f: (f["kind"], f["constraint"].casefold()))
    return {
        "schemaVersion": VERSION,
        "mode": decisions.mode,
        "verdict": "fail" if failures else "pass",
        "checked": check.counts,
        "remediation": {
            "applied": applied,
            "ledgerEntries": len(ledger.entries) if ledger is not None and applied else 0,
        },
        "failureCount": len(failures),
        "failures": failures,
    }


# ---- the remediation ledger -------------------------------------------------------------------


class _LedgerFailures:
    """Ledger findings grouped per (table, column, problem): rows and the first keys."""

    def __init__(self) -> None:
        self.found: dict[tuple[TableKey, str, str, str], list[Any]] = {}

    def add(self, table: str, column: str, problem: str, key: Any) -> None:
        schema, _, name = table.partition(".")
        self.found.setdefault((_key(schema, name), table, column, problem), []).append(key)

    def report(self, check: _Check) -> None:
        for (key, table, column, problem), keys in self.found.items():
            detail = f"{len(keys)} rows: {problem}"
            check.fail(
                "ledger", f"{table}.{column}", len(keys), key, detail=detail,
                samples=keys[:SAMPLE_LIMIT],
            )  # fmt: skip


def _apply_ledger(check: _Check, ledger: RemediationLedger) -> None:
    """The ledger's new values in the snapshot data; an entry that does not match the snapshot
    (no such table, row or column, or another old value) is a failure."""
    problems = _LedgerFailures()
    positions: dict[TableKey, dict[tuple[Any, ...], int]] = {}
    for entry in ledger.entries:
        schema, _, name = entry.table.partition(".")
        rows = check.tables.get(_key(schema, name))
        values = rows.column(entry.column) if rows is not None else None
        if rows is None or values is None:
            problems.add(entry.table, entry.column, "the ledger names no emitted column", entry.key)
            continue
        index = positions.get(_key(schema, name))
        if index is None:
            index = positions[_key(schema, name)] = _row_index(rows)
        row = index.get(tuple(entry.key))
        attribute = next(
            a
            for a in rows.entity.attributes
            if a.physical_name.casefold() == entry.column.casefold()
        )
        sql_type = parse_sql_type(attribute.sql_type)
        if row is None:
            problems.add(entry.table, entry.column, "the ledger names no snapshot row", entry.key)
        elif _json(values[row], sql_type) != entry.old:
            problems.add(
                entry.table, entry.column, "the ledger's old value is not the snapshot's", entry.key
            )
        else:
            values[row] = arrow_value(entry.new, attribute)
    problems.report(check)


def _json(value: Any, sql_type: Any) -> Any:
    return None if value is None else json_value(value, sql_type)


def _row_index(rows: _Rows) -> dict[tuple[Any, ...], int]:
    keys = row_keys(rows.entity, rows.full)
    columns = [rows.column(k.physical) or [] for k in keys]
    return {
        tuple(_json(v, k.sql_type) for v, k in zip(row, keys, strict=True)): n
        for n, row in enumerate(zip(*columns, strict=True))
    }


def _check_emitted(
    check: _Check,
    decisions: DecisionsDocument,
    selection: Selection,
    ledger: RemediationLedger,
    out: Path,
) -> None:
    """Read back every column a remediation may change (and every column the ledger names) from
    the emitted INSERTs: a cell differs from the snapshot exactly when the ledger lists it, and
    then holds the ledger's new value."""
    columns: dict[str, set[str]] = {}
    for c in decisions.columns:
        if c.make_not_null and c.signal != "pk":
            columns.setdefault(f"{c.schema}.{c.table}".casefold(), set()).add(c.column)
    for r in checked_references(decisions, selection):
        columns.setdefault(f"{r.schema}.{r.table}".casefold(), set()).add(r.column)
    listed: dict[tuple[str, tuple[Any, ...], str], Any] = {}
    for e in ledger.entries:
        columns.setdefault(e.table.casefold(), set()).add(e.column)
        listed[(e.table.casefold(), tuple(e.key), e.column.casefold())] = e
    readers = []
    for module, entity in selection.exported:
        wanted = sorted(columns.get(table_id(entity).casefold(), set()), key=str.casefold)
        snapshot = out / path("snapshot", module, entity)
        if wanted and snapshot.is_file():
            table = remediable_table(entity, snapshot, wanted)
            readers.append(replace(table, columns=(*table.keys, *table.columns)))
    problems = _LedgerFailures()
    outcome = Outcome()
    seen: set[tuple[str, tuple[Any, ...], str]] = set()
    cells = value_rows(out / "DynamicData", readers, outcome)
    by_id = {t.table_id.casefold(): t for t in readers}
    for table_name, _, original, emitted in cells:
        table = by_id[table_name.casefold()]
        width = len(table.columns)
        row = [(original, emitted), *(next(cells)[2:] for _ in range(width - 1))]
        key = tuple(_json(o, k.sql_type) for (o, _), k in zip(row, table.keys, strict=False))
        for (old, new), column in list(zip(row, table.columns, strict=True))[len(table.keys) :]:
            where = (table.table_id.casefold(), key, column.physical.casefold())
            before, after = _json(old, column.sql_type), _json(new, column.sql_type)
            entry = listed.get(where)
            if entry is not None:
                seen.add(where)
                if entry.new != after:
                    problems.add(
                        table.table_id,
                        column.physical,
                        "the INSERT's value is not the ledger's new value",
                        list(key),
                    )
            elif before != after:
                problems.add(table.table_id, column.physical,
                             "the INSERT's value differs from the snapshot and the ledger lists "
                             "no change", list(key))  # fmt: skip
    for where, entry in listed.items():
        if where not in seen:
            problems.add(entry.table, entry.column, "the INSERTs do not carry the ledger's change",
                         entry.key)  # fmt: skip
    problems.report(check)
    for rule, count in outcome.failures.items():
        detail = f"{count} INSERT parts do not read back ({rule})"
        check.fail("ledger", rule, count, ("", ""), detail=detail, samples=outcome.samples[rule])

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

The checks run a column at a time (Arrow compute, only the columns the decisions name are read);
the ledger's changes are written into Python values and read back as columns.

Pure apart from reading the snapshots and scripts: callers pass the model, the decisions, the
selection and the ledger.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Final

import pyarrow as pa
import pyarrow.compute as pc
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
    """One emitted table's snapshot, columns by case-insensitive name, each read on demand: as
    an Arrow column for the checks, as Python values where the ledger edits them."""

    file: str
    full: Path
    entity: Entity
    _names: dict[str, str] | None = None
    _arrays: dict[str, pa.ChunkedArray] = field(default_factory=dict)
    _lists: dict[str, list[Any]] = field(default_factory=dict)

    def array(self, name: str) -> pa.ChunkedArray | None:
        """The column (with the ledger's edits, if any), None if the snapshot has no such column."""
        folded = name.casefold()
        if self._names is None:
            self._names = {n.casefold(): n for n in pq.read_schema(self.full).names}
        if folded not in self._names:
            return None
        if folded not in self._arrays:
            table = pq.read_table(self.full, columns=[self._names[folded]])
            self._arrays[folded] = table.column(0)
        array = self._arrays[folded]
        edited = self._lists.get(folded)
        return array if edited is None else pa.chunked_array([pa.array(edited, array.type)])

    def column(self, name: str) -> list[Any] | None:
        """The column's Python values, the list the ledger's changes are written into."""
        folded = name.casefold()
        if folded not in self._lists:
            array = self.array(name)
            if array is None:
                return None
            values: list[Any] = array.to_pylist()
            self._lists[folded] = values
        return self._lists[folded]


class _Check:
    def __init__(self, decisions: DecisionsDocument, tables: dict[TableKey, _Rows]) -> None:
        self.tables = tables
        self.pk: dict[TableKey, str] = {}
        for c in decisions.columns:
            if c.signal == "pk":
                self.pk.setdefault(_key(c.schema, c.table), c.column)
        self.failures: list[dict[str, Any]] = []
        self.counts = {"notNull": 0, "unique": 0, "foreignKeys": 0}

    def samples(self, key: TableKey, rows: pa.Array) -> list[Any]:
        """Up to SAMPLE_LIMIT primary-key values (else row numbers) of the offending rows."""
        first = rows.slice(0, SAMPLE_LIMIT)
        ids = self.tables[key].array(self.pk.get(key, ""))
        values: list[Any] = (ids.take(first) if ids is not None else first).to_pylist()
        return values

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
        if not c.make_not_null or key not in check.tables:
            continue
        values = check.tables[key].array(c.column)
        if values is None:
            continue
        check.counts["notNull"] += 1
        if values.null_count:
            rows = _rows_where(pc.is_null(values))
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


def _rows_where(mask: pa.ChunkedArray) -> pa.Array:
    """The row numbers (ascending) where `mask` is true."""
    return pc.indices_nonzero(mask.combine_chunks())


def _comparable_array(values: pa.ChunkedArray) -> pa.ChunkedArray:
    """`comparable` for a whole column: text without trailing spaces, casefolded (ASCII text by
    Arrow's lowering, which casefolds ASCII; other text once per distinct value, by `comparable`:
    Arrow's lowering is not `str.casefold`, e.g. for `ß` or `ς`)."""
    if not (pa.types.is_string(values.type) or pa.types.is_large_string(values.type)):
        return values
    if pc.all(pc.string_is_ascii(values)).as_py() is not False:
        return pc.utf8_lower(pc.utf8_rtrim(values, characters=" "))
    encoded = pc.dictionary_encode(values.combine_chunks())
    distinct = [_comparable(v) for v in encoded.dictionary.to_pylist()]
    return pa.chunked_array([pa.array(distinct, values.type).take(encoded.indices)])


def _alike(child: pa.ChunkedArray, parent: pa.ChunkedArray) -> pa.Array:
    """The parent keys as a value set of the child's type: integers of any width compare by
    value, text with text; a parent key of another kind matches no child value."""
    kinds = (pa.types.is_integer, pa.types.is_string, pa.types.is_large_string)
    if parent.type == child.type or any(k(parent.type) and k(child.type) for k in kinds):
        return parent.cast(child.type).combine_chunks()
    return pa.array([], child.type)


def _unique_rows(check: _Check, u: DecidedUnique, filtered: bool) -> pa.Array | None:
    """Rows whose key another row shares (NULLs equal); a filtered index skips keys with a NULL."""
    rows = check.tables[_key(u.schema, u.table)]
    columns: list[pa.ChunkedArray] = []
    for name in u.columns:
        values = rows.array(name)
        if values is None:
            return None
        columns.append(_comparable_array(values))
    names = [f"k{n}" for n in range(len(columns))]
    numbers = pc.cumulative_sum(pa.repeat(pa.scalar(1, pa.int64()), len(columns[0])))
    keys = pa.table([*columns, pc.subtract(numbers, 1)], [*names, "row"])
    if filtered:
        keys = keys.drop_null()
    groups = keys.group_by(names, use_threads=False).aggregate([("row", "list")])
    shared = groups.column("row_list")
    shared = shared.filter(pc.greater(pc.list_value_length(shared), 1))
    flat = pc.list_flatten(shared).combine_chunks()
    return flat.take(pc.sort_indices(flat))


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
        if len(rows):
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


def _orphan_rows(check: _Check, r: DecidedReference) -> pa.Array | None:
    """Rows whose non-NULL value no parent row holds (keys compared as `comparable` does)."""
    child = check.tables[_key(r.schema, r.table)].array(r.column)
    parent_rows = check.tables.get(_key(r.referenced_schema, r.referenced_table))
    parent = parent_rows.array(r.referenced_column or "Id") if parent_rows else None
    if child is None or parent is None:
        return None
    child, parent = _comparable_array(child), _comparable_array(parent)
    if pa.types.is_integer(child.type) and pa.types.is_integer(parent.type):
        child, parent = child.cast(pa.int64()), parent.cast(pa.int64())
    known = pc.is_in(child, value_set=_alike(child, parent))
    return _rows_where(pc.and_(pc.is_valid(child), pc.invert(known)))


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
        if len(rows):
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

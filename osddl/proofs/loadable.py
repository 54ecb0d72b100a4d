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

Pure apart from reading the snapshots: callers pass the model, the decisions and the selection.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import pyarrow.parquet as pq

from osddl.layout import path
from osddl.model.contract import Entity, Model
from osddl.policy.contract import DecidedReference, DecidedUnique, DecisionsDocument
from osddl.selection import Selection, parent_place

VERSION: Final = "osddl.loadable-verification/1"
SAMPLE_LIMIT: Final = 10
HINT: Final = (
    "fix the data with the remediation pack (out/ssdt/Remediation/) and rerun, or choose a "
    "mode or override that does not emit this constraint (policy.mode, policy.keep_nullable)"
)

TableKey = tuple[str, str]


def _key(schema: str, table: str) -> TableKey:
    return (schema.casefold(), table.casefold())


def _comparable(value: Any) -> Any:
    """A key value as SQL Server's default collation compares it."""
    return value.rstrip(" ").casefold() if isinstance(value, str) else value


@dataclass
class _Rows:
    """One emitted table's snapshot, read on demand, columns by case-insensitive name."""

    file: str
    full: Path
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
                "file": self.tables[key].file,
                "rows": rows,
                **more,
                "hint": HINT,
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
    for r in decisions.references:
        key = _key(r.schema, r.table)
        if not (r.create_fk and r.with_check) or key not in check.tables:
            continue
        if parent_place(selection, r.referenced_schema, r.referenced_table) not in (
            "exported",
            "seeded",
        ):
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
            found[_key(entity.schema, entity.physical_name)] = _Rows(relative, out / relative)
    return found


def verify_loadable(
    model: Model, decisions: DecisionsDocument, selection: Selection, out: Path
) -> dict[str, Any]:
    """The proof document: what was checked, the verdict, and every failure with samples."""
    check = _Check(decisions, emitted_rows(selection, out))
    _nulls(check, decisions)
    _duplicates(check, decisions, filtered_indexes(model))
    _orphans(check, decisions, selection)
    failures = sorted(check.failures, key=lambda f: (f["kind"], f["constraint"].casefold()))
    return {
        "schemaVersion": VERSION,
        "mode": decisions.mode,
        "verdict": "fail" if failures else "pass",
        "checked": check.counts,
        "failureCount": len(failures),
        "failures": failures,
    }

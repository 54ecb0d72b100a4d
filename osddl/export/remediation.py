"""Remediation in export (`policy.apply_remediation_in_export`): the INSERTs carry the documented
fixes, and every changed value is written to a ledger (`out/proofs/remediation-ledger.json`).

The rules are the remediation pack's (`osddl.policy.sql`, `out/ssdt/Remediation/`), applied to the
snapshot rows on their way to the INSERTs, for the constraints the loadable proof checks:

- NULL back-fill of a column the decisions make NOT NULL: the column's default when it is a
  constant (a default that calls a function, e.g. `getdate()`, cannot be computed here: the
  sentinel is used and the ledger says so), else the sentinel of its type family
  (`policy.sentinels`); a column that is also a checked FK takes its fallback parent when one is
  set, so the back-fill does not dangle;
- orphans under an FK created WITH CHECK to an exported or seeded table: the operator's fallback
  parent (`policy.fallback_parents`, checked to exist), else NULL when the same decisions leave the
  column nullable; else nothing changes, and the loadable proof fails naming the rows;
- duplicates under a unique index: the pack only lists them, so nothing changes (the proof fails).

Platform tables are never changed (issue 11 item 8). `plan_ledger` reads the snapshots and builds
the ledger; `ledger_transform` is the Arrow batch transform the DynamicData renderer applies.
Values in the ledger are JSON forms of `osddl.tsql.normalise` (decimals and dates as text, binary
as `0x..`), so the ledger, the snapshot and the read-back INSERTs compare alike.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path
from typing import Any, Final, Literal

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from osddl.errors import InputError
from osddl.export.snapshot import arrow_field, exported_attributes
from osddl.layout import path
from osddl.model.contract import Attribute, Entity, Model
from osddl.model.sqltype import SqlType, parse_sql_type
from osddl.policy.contract import DecidedColumn, DecidedReference, DecisionsDocument
from osddl.policy.sql import check_fallback_parents, platform_tables
from osddl.proofs.uat_users import Column, UserTable, user_table
from osddl.selection import Selection, parent_place, table_id
from osddl.source.catalog import unparenthesised
from osddl.tsql import SENTINELS, family, normalise, typed_literal
from osddl.typed_json import TypedJson

LEDGER_VERSION: Final = "osddl.remediation-ledger/1"

Rule = Literal[
    "null-backfill-default",  # the column's constant default
    "null-backfill-sentinel",  # policy.sentinels (or the built-in sentinel) of the type family
    "null-backfill-fallback-parent",  # a NOT NULL FK column: its policy.fallback_parents id
    "orphan-fallback-parent",  # a dangling reference mapped to policy.fallback_parents
    "orphan-set-null",  # a dangling reference cleared (the column stays nullable)
]


@dataclass(frozen=True)
class LedgerEntry:
    """One changed value: the row (primary-key values), the column (physical), before and after."""

    table: str  # schema.PHYSICAL_TABLE, as the snapshot and the per-table tasks name it
    key: list[Any]
    column: str
    old: Any
    new: Any
    rule: Rule


@dataclass(frozen=True)
class RemediationLedger:
    """Every value the INSERTs carry that differs from the snapshot; empty when not applied."""

    applied: bool  # policy.apply_remediation_in_export
    entries: list[LedgerEntry]
    schema_version: Literal["osddl.remediation-ledger/1"] = LEDGER_VERSION


LEDGER_JSON: Final = TypedJson(
    RemediationLedger, LEDGER_VERSION, "remediation-ledger", "osddl remediation ledger",
    "remediation",
)  # fmt: skip

RowKey = tuple[Any, ...]


# ---- values: JSON forms and Arrow forms -------------------------------------------------------


def json_value(value: Any, sql_type: SqlType) -> Any:
    """A value as the ledger holds it: `normalise`d, then decimals and dates as text, binary as
    `0x..`. The same for a snapshot value and a value read back from an INSERT."""
    value = normalise(value, sql_type)
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bytes):
        return "0x" + value.hex().upper()
    return value


def arrow_value(value: Any, attribute: Attribute) -> Any:
    """A ledger value as the snapshot's Arrow column holds it."""
    if value is None:
        return None
    if family(attribute.sql_type) == "binary":
        return bytes.fromhex(str(value)[2:])
    return arrow_field(attribute)[1](value)


def comparable(value: Any) -> Any:
    """A key value as SQL Server's default collation compares it (case-insensitive, trailing
    spaces ignored)."""
    return value.rstrip(" ").casefold() if isinstance(value, str) else value


def _typed(text: str, attribute: Attribute, where: str) -> Any:
    """Operator text (a sentinel, a fallback id) checked for the column's type, in JSON form."""
    typed_literal(text, attribute.sql_type, where)  # one clear message for a bad value
    sql_type = parse_sql_type(attribute.sql_type)
    raw: Any = bytes.fromhex(text[2:]) if family(attribute.sql_type) == "binary" else text
    try:
        return json_value(raw, sql_type)
    except ValueError as error:
        raise InputError(f"{where}: {error}") from None


_NUMBER = re.compile(r"-?\d+(\.\d+)?")
_QUOTED = re.compile(r"N?'((?:[^']|'')*)'", re.DOTALL)


def default_constant(definition: str | None) -> str | None:
    """The constant of a column default (`((1))`, `(N'x')`), None for an expression."""
    text = unparenthesised(definition or "")
    if _NUMBER.fullmatch(text):
        return text
    quoted = _QUOTED.fullmatch(text)
    return quoted.group(1).replace("''", "'") if quoted else None


# ---- the plan -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Fix:
    """What a remediable column of one table gets."""

    attribute: Attribute
    sql_type: SqlType
    not_null: DecidedColumn | None
    reference: DecidedReference | None
    parents: frozenset[Any] | None  # comparable parent keys of a checked FK
    fallback: Any  # JSON form of the fallback parent id, None when not set


def row_keys(entity: Entity, snapshot: Path) -> tuple[Column, ...]:
    """The row key the ledger uses: the primary key (else the identifier), as the INSERT reader
    pairs rows."""
    return user_table(entity, (), snapshot).keys


def plan_ledger(
    model: Model,
    decisions: DecisionsDocument,
    selection: Selection,
    out: Path,
    sentinels: Mapping[str, str],
    fallback_parents: Mapping[str, str],
) -> RemediationLedger:
    """Every change the documented remediation makes to the exported snapshots, in model order,
    then row (key) order, then column order."""
    chosen = check_fallback_parents(model, fallback_parents)
    platform = platform_tables(model)
    entries: list[LedgerEntry] = []
    for module, entity in selection.exported:
        place = (entity.schema.casefold(), entity.physical_name.casefold())
        snapshot = out / path("snapshot", module, entity)
        if place in platform or not snapshot.is_file():
            continue
        fixes = _fixes(module.name, entity, decisions, selection, out, sentinels, chosen)
        if fixes:
            entries += _table_entries(entity, snapshot, fixes, sentinels)
    return RemediationLedger(applied=True, entries=entries)


def _fixes(
    module: str,
    entity: Entity,
    decisions: DecisionsDocument,
    selection: Selection,
    out: Path,
    sentinels: Mapping[str, str],
    chosen: Mapping[str, str],
) -> list[_Fix]:
    place = (entity.schema.casefold(), entity.physical_name.casefold())
    not_null = {
        c.column.casefold(): c
        for c in decisions.columns
        if c.make_not_null and (c.schema.casefold(), c.table.casefold()) == place
    }
    references = {
        r.column.casefold(): r
        for r in checked_references(decisions, selection)
        if (r.schema.casefold(), r.table.casefold()) == place
    }
    fixes = []
    for attribute in exported_attributes(entity):
        name = attribute.physical_name.casefold()
        if name not in not_null and name not in references:
            continue
        reference = references.get(name)
        label = f"{module}::{entity.name}.{attribute.name}"
        given = chosen.get(label.casefold())
        fallback = None
        if reference is not None and given is not None:
            fallback = _typed(given, attribute, f"policy.fallback_parents[{label!r}]")
        parents = _parent_keys(reference, selection, out) if reference else None
        if (
            reference
            and parents is not None
            and fallback is not None
            and comparable(fallback) not in parents
        ):
            raise InputError(
                f"policy.fallback_parents[{label!r}]: {given!r} is no row of "
                f"{reference.referenced_schema}.{reference.referenced_table}; choose an existing "
                "id (the remediation pack's 03_orphans.sql lists some)"
            )
        fixes.append(
            _Fix(
                attribute, parse_sql_type(attribute.sql_type), not_null.get(name), reference,
                parents, fallback,
            )
        )  # fmt: skip
    return fixes


def checked_references(
    decisions: DecisionsDocument, selection: Selection
) -> list[DecidedReference]:
    """FKs created WITH CHECK whose parent the DynamicData or the seeds load: what the loadable
    proof checks (FKs to platform tables come after the uat-users remap)."""
    return [
        r
        for r in decisions.references
        if r.create_fk
        and r.with_check
        and parent_place(selection, r.referenced_schema, r.referenced_table)
        in ("exported", "seeded")
    ]


def _parent_keys(
    reference: DecidedReference, selection: Selection, out: Path
) -> frozenset[Any] | None:
    wanted = (reference.referenced_schema.casefold(), reference.referenced_table.casefold())
    members = [("snapshot", m) for m in selection.exported]
    members += [("static_snapshot", m) for m in selection.static]
    for kind, (module, entity) in members:
        if (entity.schema.casefold(), entity.physical_name.casefold()) != wanted:
            continue
        snapshot = out / path(kind, module, entity)
        if not snapshot.is_file():
            return None
        values = _column(snapshot, reference.referenced_column or "Id")
        return frozenset(map(comparable, values)) if values is not None else None
    return None


def _column(snapshot: Path, name: str) -> list[Any] | None:
    names = {n.casefold(): n for n in pq.read_schema(snapshot).names}
    found = names.get(name.casefold())
    return pq.read_table(snapshot, columns=[found]).column(0).to_pylist() if found else None


def _backfill(fix: _Fix, sentinels: Mapping[str, str]) -> tuple[Any, Rule]:
    """What a NULL of a NOT NULL column becomes, as the remediation pack's back-fill says."""
    if fix.fallback is not None:
        return fix.fallback, "null-backfill-fallback-parent"
    disk = fix.attribute.on_disk
    constant = default_constant(disk.default_definition if disk is not None else None)
    if constant is not None:
        where = f"the default of {fix.attribute.physical_name}"
        return _typed(constant, fix.attribute, where), "null-backfill-default"
    kind = family(fix.attribute.sql_type)
    where = f"policy.sentinels[{kind!r}] ({fix.attribute.sql_type})"
    return _typed(sentinels.get(kind, SENTINELS[kind]), fix.attribute, where), (
        "null-backfill-sentinel"
    )


def _change(fix: _Fix, value: Any, backfill: tuple[Any, Rule] | None) -> tuple[Any, Rule] | None:
    """The new value and its rule for one snapshot value; None when it stays."""
    if value is None:
        return backfill
    if fix.parents is None or comparable(value) in fix.parents:
        return None
    if fix.fallback is not None:
        return fix.fallback, "orphan-fallback-parent"
    if fix.not_null is None:
        return None, "orphan-set-null"
    return None  # no fix applies: the loadable proof names the row


def _table_entries(
    entity: Entity, snapshot: Path, fixes: list[_Fix], sentinels: Mapping[str, str]
) -> Iterable[LedgerEntry]:
    keys = row_keys(entity, snapshot)
    names = [k.physical for k in keys] + [f.attribute.physical_name for f in fixes]
    table = pq.read_table(snapshot, columns=list(dict.fromkeys(names)))
    key_values = [table.column(k.physical).to_pylist() for k in keys]
    changes = {}
    for fix in fixes:
        backfill = _backfill(fix, sentinels) if fix.not_null is not None else None
        for row, value in enumerate(table.column(fix.attribute.physical_name).to_pylist()):
            change = _change(fix, value, backfill)
            if change is not None:
                changes[(row, fix.attribute.physical_name)] = (
                    json_value(value, fix.sql_type) if value is not None else None,
                    *change,
                )
    order = {f.attribute.physical_name: i for i, f in enumerate(fixes)}
    for (row, column), (old, new, rule) in sorted(
        changes.items(), key=lambda item: (item[0][0], order[item[0][1]])
    ):
        key = [
            json_value(values[row], k.sql_type) for values, k in zip(key_values, keys, strict=True)
        ]
        yield LedgerEntry(table_id(entity), key, column, old, new, rule)


# ---- the batch transform (the DynamicData renderer's hook) -------------------------------------


def ledger_transform(
    ledger: RemediationLedger, entity: Entity, snapshot: Path
) -> Callable[[pa.RecordBatch], pa.RecordBatch] | None:
    """The batch transform that gives a table's rows the ledger's new values; None when the
    ledger changes nothing in the table. Rows are found by key: only batches holding a changed
    row are touched, and only their changed columns are rebuilt."""
    wanted = table_id(entity).casefold()
    entries = [e for e in ledger.entries if e.table.casefold() == wanted]
    if not ledger.applied or not entries:
        return None
    keys = row_keys(entity, snapshot)
    attributes = {a.physical_name.casefold(): a for a in exported_attributes(entity)}
    changes: dict[RowKey, dict[str, Any]] = {}
    for e in entries:
        value = arrow_value(e.new, attributes[e.column.casefold()])
        changes.setdefault(tuple(e.key), {})[e.column.casefold()] = value
    first = attributes[keys[0].physical.casefold()]
    probe = [arrow_value(k[0], first) for k in changes]

    def transform(batch: pa.RecordBatch) -> pa.RecordBatch:
        names = {n.casefold(): i for i, n in enumerate(batch.schema.names)}
        column = batch.column(names[keys[0].physical.casefold()])
        hits = pc.indices_nonzero(pc.is_in(column, pa.array(probe, type=column.type)))
        updates: dict[int, dict[int, Any]] = {}
        for row in hits.to_pylist():
            key = tuple(
                json_value(batch.column(names[k.physical.casefold()])[row].as_py(), k.sql_type)
                for k in keys
            )
            for name, value in changes.get(key, {}).items():
                updates.setdefault(names[name], {})[row] = value
        if not updates:
            return batch
        arrays = list(batch.columns)
        for index, rows in updates.items():
            values = arrays[index].to_pylist()
            for row, value in rows.items():
                values[row] = value
            arrays[index] = pa.array(values, type=arrays[index].type)
        return pa.RecordBatch.from_arrays(arrays, schema=batch.schema)

    return transform


def remediable_table(entity: Entity, snapshot: Path, columns: Iterable[str]) -> UserTable:
    """The INSERT reader's view of a table for the given physical columns (the ledger check)."""
    attributes = {a.physical_name.casefold(): a for a in exported_attributes(entity)}
    chosen = [attributes[c.casefold()] for c in columns if c.casefold() in attributes]
    return replace(
        user_table(entity, (), snapshot),
        columns=tuple(
            Column(a.physical_name, a.emitted_name or a.physical_name, parse_sql_type(a.sql_type))
            for a in chosen
        ),
    )

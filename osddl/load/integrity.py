"""`verify:data`'s judgement, pure: the source and target fingerprints, the user-reference checks
and the row-level differences in, `data-integrity-verification.json` out.

Row counts and NULL counts must match; a column's target checksum must equal the source's, or,
for a user-reference column, the source's mapped through the transformation map (an exact proof
of the mapping); every user-reference value must be NULL or a UAT id and no QA id the map remaps
may be left.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

from osddl.load.documents import (
    ColumnCheck,
    DataIntegrity,
    IntegrityFailure,
    RowDifference,
    TableCheck,
    UserColumnCheck,
    Verdict,
)
from osddl.load.fingerprint import ColumnPrint, TablePrint

SMALL_TABLE: Final = 1_000  # rows: differences are listed row by row up to this size
DIFFERENCES: Final = 20  # listed per table


def _word(ok: bool) -> Verdict:
    return "pass" if ok else "fail"


def _column(name: str, source: ColumnPrint, target: ColumnPrint | None, user: bool) -> ColumnCheck:
    expected = source.mapped if user and source.mapped is not None else source.checksum
    nulls = target.nulls if target is not None else -1
    checksum = target.checksum if target is not None else ""
    ok = target is not None and nulls == source.nulls and checksum == expected
    return ColumnCheck(name, user, source.nulls, nulls, expected, checksum, _word(ok))


def check_table(
    table: str,
    source: TablePrint,
    target: TablePrint | None,
    users: frozenset[str],
    differences: Sequence[RowDifference],
) -> TableCheck:
    columns = [
        _column(name, print_, target.columns.get(name) if target else None, name in users)
        for name, print_ in sorted(source.columns.items())
    ]
    rows = target.rows if target is not None else 0
    ok = rows == source.rows and all(c.status == "pass" for c in columns)
    return TableCheck(table, source.rows, rows, _word(ok), columns, list(differences))


def table_failures(
    tables: Sequence[TableCheck], source: str = "source", target: str = "loaded"
) -> list[IntegrityFailure]:
    """Row-count, NULL-count and checksum failures; `source`/`target` name the two sides."""
    found = []
    for table in tables:
        if table.source_rows != table.target_rows:
            detail = f"{table.source_rows} rows in the {source}, {table.target_rows} {target}"
            found.append(IntegrityFailure("row-count", table.table, "", detail))
        for c in table.columns:
            if c.source_nulls != c.target_nulls:
                detail = f"{c.source_nulls} NULLs in the {source}, {c.target_nulls} {target}"
                found.append(IntegrityFailure("null-count", table.table, c.column, detail))
            elif c.status == "fail":
                what = f"mapped {source}" if c.user_reference else source
                detail = f"checksum {c.target_checksum}, the {what} gives {c.expected_checksum}"
                found.append(IntegrityFailure("checksum", table.table, c.column, detail))
    return found


def _failures(tables: list[TableCheck], users: list[UserColumnCheck]) -> list[IntegrityFailure]:
    found = table_failures(tables)
    for user in users:
        if user.not_uat or user.orphans:
            detail = (
                f"{user.not_uat} values are not UAT ids, {user.orphans} are QA ids the map "
                f"remaps: {', '.join(user.samples)}"
            )
            found.append(IntegrityFailure("user-reference", user.table, user.column, detail))
    return found


def integrity(
    engine: str,
    load_verdict: Verdict,
    load_findings: Sequence[str],
    tables: list[TableCheck],
    users: list[UserColumnCheck],
) -> DataIntegrity:
    failures = [IntegrityFailure("load", "", "", f) for f in load_findings]
    failures += _failures(tables, users)
    ok = load_verdict == "pass" and not failures
    return DataIntegrity(
        "osddl.data-integrity/1", _word(ok), engine, load_verdict, tables, users, failures
    )


def user_check(
    table: str, column: str, values: set[Any], allowed: frozenset[Any], remapped: frozenset[Any]
) -> UserColumnCheck:
    """A user-reference column's distinct target values against the map."""
    outside = sorted((v for v in values if v not in allowed), key=str)
    orphans = [v for v in outside if v in remapped]
    samples = [str(v) for v in outside[:10]]
    return UserColumnCheck(
        table, column, len(values), len(outside), len(orphans), samples, _word(not outside)
    )


def _shown(value: object) -> str | None:
    return None if value is None else str(value)


def row_differences(
    keys: Sequence[str],
    source: Sequence[Mapping[str, object]],
    target: Sequence[Mapping[str, object]],
) -> list[RowDifference]:
    """The first rows (by primary key) missing on one side or differing in a column."""

    def keyed(rows: Sequence[Mapping[str, object]]) -> dict[str, Mapping[str, object]]:
        return {", ".join(f"{k}={row[k]}" for k in keys): row for row in rows}

    left, right = keyed(source), keyed(target)
    found: list[RowDifference] = []
    for key in sorted(left.keys() | right.keys()):
        a, b = left.get(key), right.get(key)
        if a is None or b is None:
            found.append(RowDifference(key, "", "row" if a else None, "row" if b else None))
        else:
            found += [
                RowDifference(key, c, _shown(a[c]), _shown(b.get(c)))
                for c in sorted(a)
                if a[c] != b.get(c)
            ]
        if len(found) >= DIFFERENCES:
            return found[:DIFFERENCES]
    return found

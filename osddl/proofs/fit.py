"""Value-fit verifier: proves every value of the emitted INSERTs fits its column's emitted type.

It reads what an operator will run (every `*.dynamic.sql` that `load.sql` includes) with the
order verifier's script reader (`include_path`, `batches`, `statements`, `table_of`) and the
independent literal reader (`osddl.tsql.read_literal`), never the renderer's code. A value SQL
Server would refuse or silently change is a failure naming file, batch, row and column:
text longer than `nvarchar(n)` / `varchar(n)` (UTF-16 units for the unicode types), binary longer
than `varbinary(n)`, a decimal with more integer digits than `p - s` or more decimals than `s`,
an integer or money value outside its type's range, a `datetime` / `smalldatetime` outside its
days. `misfit` is the one rule, also applied by the policy to the profile's observed extremes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any, Final, cast

from sqlglot import exp

from osddl.model.sqltype import MAX, SqlType
from osddl.proofs.order import LOAD_SCRIPT, batches, include_path, statements, table_of
from osddl.tsql import read_literal

VERSION: Final = "osddl.fit-verification/1"

# Limits SQL Server checks on insert (the type table in `osddl.tsql` will own these facts).
INTEGER_RANGES: Final[dict[str, tuple[int, int]]] = {
    "tinyint": (0, 255),
    "smallint": (-(2**15), 2**15 - 1),
    "int": (-(2**31), 2**31 - 1),
    "bigint": (-(2**63), 2**63 - 1),
}
MONEY_RANGES: Final[dict[str, tuple[Decimal, Decimal]]] = {
    "money": (Decimal("-922337203685477.5808"), Decimal("922337203685477.5807")),
    "smallmoney": (Decimal("-214748.3648"), Decimal("214748.3647")),
}
# First and last day (ISO text) of the date/time types that do not start at 0001-01-01.
DAY_RANGES: Final[dict[str, tuple[str, str]]] = {
    "datetime": ("1753-01-01", "9999-12-31"),
    "smalldatetime": ("1900-01-01", "2079-06-06"),
}
UNICODE_TEXT: Final = frozenset({"nchar", "nvarchar"})
SIZED: Final = frozenset({"char", "varchar", "nchar", "nvarchar", "binary", "varbinary"})
DECIMAL_DEFAULT: Final = (18, 0)
SAMPLE_LIMIT: Final = 50


# ---- the rule ---------------------------------------------------------------------------------


def size_of(value: str | bytes, sql_type: SqlType) -> int:
    """What `(n)` counts: UTF-16 units for nchar/nvarchar, characters for char/varchar, bytes."""
    if isinstance(value, bytes):
        return len(value)
    if sql_type.name in UNICODE_TEXT:
        return len(value.encode("utf-16-le")) // 2
    return len(value)


def misfit(value: Any, sql_type: SqlType) -> str | None:
    """Why `value` (as `read_literal` returns it) does not fit `sql_type`; None when it fits."""
    name = sql_type.name
    if value is None:
        return None
    if name in SIZED and isinstance(value, str | bytes):
        return length_misfit(size_of(value, sql_type), sql_type)
    if name in INTEGER_RANGES and isinstance(value, int):
        return _outside(value, *INTEGER_RANGES[name])
    if name in MONEY_RANGES and isinstance(value, Decimal):
        return _outside(value, *MONEY_RANGES[name])
    if name in ("decimal", "numeric") and isinstance(value, Decimal):
        return _decimal_misfit(value, sql_type)
    if name in DAY_RANGES and isinstance(value, str):
        return _outside(value[:10], *DAY_RANGES[name])
    return None


def length_misfit(size: int, sql_type: SqlType) -> str | None:
    limit = 1 if sql_type.length is None else sql_type.length
    if limit == MAX or size <= limit:
        return None
    unit = "bytes" if sql_type.name in ("binary", "varbinary") else "characters"
    return f"{size} {unit} > {sql_type.render()}'s {limit}"


def _outside(value: Any, low: Any, high: Any) -> str | None:
    return None if low <= value <= high else f"{value} is outside {low}..{high}"


def _decimal_misfit(value: Decimal, sql_type: SqlType) -> str | None:
    precision, scale = (
        DECIMAL_DEFAULT if sql_type.precision is None else (sql_type.precision, sql_type.scale or 0)
    )
    _, digits, exponent = value.as_tuple()
    decimals = max(0, -int(exponent))
    whole = max(0, len(digits) - decimals) if any(digits) else 0
    if whole > precision - scale:
        return f"{whole} integer digits > {precision - scale} of {sql_type.render()}"
    if decimals > scale:
        return f"{decimals} decimals > {scale} of {sql_type.render()} (SQL Server rounds it)"
    return None


# ---- the proof --------------------------------------------------------------------------------


def verify_fit(
    dynamic_dir: Path, types: Mapping[tuple[str, str], Mapping[str, SqlType]]
) -> dict[str, Any]:
    """Read every included data file; `types`: (schema, table) case-folded → column (case-folded)
    → emitted type. Returns the proof document (sorted, byte-stable)."""
    report = _Report()
    for include in _includes(dynamic_dir, report):
        _check_file(dynamic_dir, include, types, report)
    return report.document()


class _Report:
    def __init__(self) -> None:
        self.failures: list[dict[str, Any]] = []
        self.values = 0
        self.files = 0

    def fail(self, kind: str, file: str, detail: str, **where: Any) -> None:
        self.failures.append({"kind": kind, "file": file, "detail": detail, **where})

    def document(self) -> dict[str, Any]:
        failures = sorted(
            self.failures,
            key=lambda f: (f["kind"], f["file"], f.get("batch", 0), f.get("row", 0), f["detail"]),
        )
        return {
            "schemaVersion": VERSION,
            "verdict": "fail" if failures else "pass",
            "files": self.files,
            "values": self.values,
            "failureCount": len(failures),
            "failures": failures[:SAMPLE_LIMIT],
        }


def _includes(dynamic_dir: Path, report: _Report) -> Iterable[str]:
    load = dynamic_dir / LOAD_SCRIPT
    if not load.is_file():
        report.fail("missing-load-script", LOAD_SCRIPT, "load.sql not found; render DynamicData")
        return []
    found = []
    for line in load.read_text(encoding="utf-8").splitlines():
        text = line.strip()
        if text[:3].casefold() == ":r ":
            name = include_path(text[3:].strip().strip('"'))
            if name.casefold().endswith(".dynamic.sql") and (dynamic_dir / name).is_file():
                found.append(name)
    return found


def _check_file(
    dynamic_dir: Path,
    include: str,
    types: Mapping[tuple[str, str], Mapping[str, SqlType]],
    report: _Report,
) -> None:
    report.files += 1
    rows = 0
    for batch, text in batches(dynamic_dir / include):
        for node in statements(text, include, batch, report):
            table = table_of(node.this) if isinstance(node, exp.Insert) else None
            values = node.expression if isinstance(node, exp.Insert) else None
            if table is None or not isinstance(values, exp.Values):
                continue  # the order verifier reports statements that are not INSERTs
            columns = types.get(table.key)
            if columns is None:
                report.fail("unknown-table", include, f"batch {batch}: {table} is not in the model")
                continue
            names = [c.name for c in node.this.expressions]
            for row in values.expressions:
                rows += 1
                cells = row.expressions if isinstance(row, exp.Tuple) else [row]
                for name, cell in zip(names, cells, strict=False):
                    _check_value(include, batch, rows, name, cell, columns, report)


def _check_value(
    file: str,
    batch: int,
    row: int,
    column: str,
    cell: exp.Expr,
    columns: Mapping[str, SqlType],
    report: _Report,
) -> None:
    where = {"batch": batch, "row": row, "column": column}
    sql_type = columns.get(column.casefold())
    if sql_type is None:
        report.fail("unknown-column", file, f"batch {batch}, row {row}: [{column}]", **where)
        return
    report.values += 1
    try:
        value = read_literal(cast(exp.Expression, cell), sql_type)
    except (ValueError, KeyError) as error:
        report.fail(
            "unreadable-value", file, f"batch {batch}, row {row}, [{column}]: {error}", **where
        )
        return
    problem = misfit(value, sql_type)
    if problem is not None:
        report.fail(
            "value-does-not-fit",
            file,
            f"batch {batch}, row {row}, [{column}] {sql_type.render()}: {problem}",
            **where,
        )

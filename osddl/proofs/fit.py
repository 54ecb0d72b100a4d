"""Value-fit verifier: proves every value of the emitted INSERTs fits its column's emitted type.

It reads what an operator will run (every `*.dynamic.sql` that `load.sql` includes) with the
fast reader of the emitted T-SQL (`osddl.tsql.scan`: statements and `read_cell`, the literal
readers sqlglot's path shares), never the renderer's code. A value SQL
Server would refuse or silently change is a failure naming file, batch, row and column:
text longer than `nvarchar(n)` / `varchar(n)` (UTF-16 units for the unicode types), binary longer
than `varbinary(n)`, a decimal with more integer digits than `p - s` or more decimals than `s`,
an integer or money value outside its type's range, a `datetime` / `smalldatetime` outside its
days, a time of day finer than the type keeps (`datetime` rounds to 1/300 s, `smalldatetime` to
the minute, `datetime2(n)` / `time(n)` / `datetimeoffset(n)` to n digits). Every limit is a fact of
the type table (`osddl.tsql.types`), as is SQL Server's longest batch (a batch longer than
256 MiB of UTF-16 is refused whatever it holds). `misfit` is the one rule, also applied by the
policy to the profile's observed extremes. A batch that is one INSERT whose every cell's text
shows it fits is cleared by one match (`fit_inserts`); any other INSERT is checked column by
column: `fit_columns` clears the cells whose text alone shows they fit, and only the others are
read and checked one by one.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any, Final

from osddl.model.sqltype import MAX, SqlType
from osddl.progress import Progress
from osddl.proofs.fit_columns import column_check
from osddl.proofs.fit_inserts import cleared_rows
from osddl.proofs.order import LOAD_SCRIPT, statements
from osddl.tsql.read import include_target
from osddl.tsql.scan import Cell, Insert, batches, read_cell, script_lines
from osddl.tsql.types import (
    DAY_RANGES,
    INTEGER_RANGES,
    MONEY_RANGES,
    SIZED,
    SQL_SERVER_BATCH_BYTES,
    UNICODE_SIZED,
    clock_step,
    precision_text,
    stored_seconds,
    utf16_size,
)

VERSION: Final = "osddl.fit-verification/1"

SAMPLE_LIMIT: Final = 50
# A literal's time of day: hh:mm:ss and its fractional digits (after `T` or at the start).
_CLOCK: Final = re.compile(r"(?:^|T)(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,7}))?")


# ---- the rule: every limit comes from the type table (osddl.tsql.types) -----------------------


def size_of(value: str | bytes, sql_type: SqlType) -> int:
    """What `(n)` counts: UTF-16 units for nchar/nvarchar, characters for char/varchar, bytes."""
    if isinstance(value, bytes):
        return len(value)
    if sql_type.name in UNICODE_SIZED:
        return len(value.encode("utf-16-le")) // 2
    return len(value)


def misfit(value: Any, sql_type: SqlType) -> str | None:
    """Why `value` (as `read_cell` returns it) does not fit `sql_type`; None when it fits."""
    name = sql_type.name
    if value is None:
        return None
    if name in SIZED and isinstance(value, str | bytes):
        return length_misfit(size_of(value, sql_type), sql_type)
    if name in INTEGER_RANGES and isinstance(value, int):
        return _outside(value, *INTEGER_RANGES[name])
    if name in MONEY_RANGES and isinstance(value, Decimal):
        return _outside(value, *MONEY_RANGES[name])
    if sql_type.info.args == "precision_scale" and isinstance(value, Decimal):
        return _decimal_misfit(value, sql_type)
    if name in DAY_RANGES and isinstance(value, str):
        outside = _outside(value[:10], *DAY_RANGES[name])
        if outside is not None:
            return outside
    if isinstance(value, str) and clock_step(sql_type) is not None:
        return clock_misfit(value, sql_type)
    return None


def length_misfit(size: int, sql_type: SqlType) -> str | None:
    limit = 1 if sql_type.length is None else sql_type.length
    if limit == MAX or size <= limit:
        return None
    unit = "bytes" if sql_type.info.family == "binary" else "characters"
    return f"{size} {unit} > {sql_type.render()}'s {limit}"


def _outside(value: Any, low: Any, high: Any) -> str | None:
    return None if low <= value <= high else f"{value} is outside {low}..{high}"


def _decimal_misfit(value: Decimal, sql_type: SqlType) -> str | None:
    precision, scale = sql_type.precision_scale()
    _, digits, exponent = value.as_tuple()
    decimals = max(0, -int(exponent))
    whole = max(0, len(digits) - decimals) if any(digits) else 0
    if whole > precision - scale:
        return f"{whole} integer digits > {precision - scale} of {sql_type.render()}"
    if decimals > scale:
        return f"{decimals} decimals > {scale} of {sql_type.render()} (SQL Server rounds it)"
    return None


def clock_misfit(text: str, sql_type: SqlType) -> str | None:
    """A time of day finer than the type keeps (the literal's digits shown back differ from what
    SQL Server stores): datetime's 1/300 s, smalldatetime's minute, the (n) of datetime2(n)."""
    found = _CLOCK.search(text)
    if found is None:
        return None
    hours, minutes, whole, fraction = found.groups(default="")
    given = Fraction(int(hours) * 3600 + int(minutes) * 60 + int(whole))
    given += Fraction(int(fraction or 0), 10 ** len(fraction))
    stored = stored_seconds(given, sql_type)
    shown = Fraction(math.floor(stored * 10 ** len(fraction) + Fraction(1, 2)), 10 ** len(fraction))
    if shown == given:
        return None
    kept = f"{sql_type.render()} keeps {precision_text(sql_type.info) or clock_step(sql_type)}"
    return f"{found.group().lstrip('T')} is stored as {_clock_text(stored)} ({kept})"


def _clock_text(seconds: Fraction) -> str:
    ticks = math.floor(seconds * 10**7 + Fraction(1, 2))
    whole, fraction = divmod(ticks, 10**7)
    hours, rest = divmod(whole, 3600)
    return f"{hours:02}:{rest // 60:02}:{rest % 60:02}.{fraction:07}"


# ---- the proof --------------------------------------------------------------------------------


def verify_fit(
    dynamic_dir: Path,
    types: Mapping[tuple[str, str], Mapping[str, SqlType]],
    per_value: bool = False,
) -> dict[str, Any]:
    """Read every included data file; `types`: (schema, table) case-folded → column (case-folded)
    → emitted type. Returns the proof document (sorted, byte-stable). A batch `fit_inserts`
    clears at once is only counted; any other INSERT is checked column by column (`fit_columns`:
    only the cells its text cannot clear are read and checked one by one); `per_value` checks
    every cell one by one (the reference the tests compare)."""
    report = _Report()
    with Progress("verify:fit", "files") as progress:
        for include in _includes(dynamic_dir, report):
            _check_file(dynamic_dir, include, types, report, per_value)
            progress.advance()
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
    for line in script_lines(load):
        name = include_target(line)
        if name and name.casefold().endswith(".dynamic.sql") and (dynamic_dir / name).is_file():
            found.append(name)
    return found


def _check_file(
    dynamic_dir: Path,
    include: str,
    types: Mapping[tuple[str, str], Mapping[str, SqlType]],
    report: _Report,
    per_value: bool,
) -> None:
    report.files += 1
    rows = 0
    for batch in batches(dynamic_dir / include):
        if 4 * len(batch.text) > SQL_SERVER_BATCH_BYTES:  # else it fits even as 4-byte characters
            _check_size(batch.text, include, batch.number, report)
        cleared = None if per_value else cleared_rows(batch.text, types)
        if cleared is not None:  # one INSERT, every cell cleared by one match (`fit_inserts`)
            rows += cleared[0]
            report.values += cleared[1]
            continue
        for node in statements(batch.text, include, batch.number, report):
            if not isinstance(node, Insert):
                continue  # the order verifier reports statements that are not INSERTs
            columns = types.get((node.table[0].casefold(), node.table[1].casefold()))
            if columns is None:
                table = ".".join(node.table)
                report.fail(
                    "unknown-table", include, f"batch {batch.number}: {table} is not in the model"
                )
                continue
            where = _Where(include, batch.number, rows, columns, report)
            rows += len(node.rows)
            width = len(node.columns)
            if per_value or not node.rows or any(len(c) != width for c in node.rows):
                for row, cells in enumerate(node.rows, 1):
                    for name, cell in zip(node.columns, cells, strict=False):
                        where.check(row, name, cell)
                continue
            for name, cells in zip(node.columns, zip(*node.rows, strict=True), strict=True):
                where.check_column(name, cells)


def _check_size(text: str, include: str, number: int, report: _Report) -> None:
    """A batch longer than SQL Server takes: sqlcmd stops there (the renderer cuts batches far
    below it, so it is one row too large for any INSERT)."""
    size = utf16_size(text)
    if size > SQL_SERVER_BATCH_BYTES:
        report.fail(
            "batch-too-large",
            include,
            f"batch {number}: {size:,} bytes as SQL Server receives it (UTF-16), over its batch "
            f"limit of {SQL_SERVER_BATCH_BYTES:,} (65,536 network packets of 4,096 bytes); a row "
            "this large cannot be one INSERT: leave its column out of the export (or the table, "
            "with the selection) and move that data another way",
            batch=number,
        )


class _Where:
    """One INSERT of a file's batch: its values' failures name the row counted over the file
    (`before`: the file's rows before this INSERT)."""

    def __init__(
        self,
        file: str,
        batch: int,
        before: int,
        columns: Mapping[str, SqlType],
        report: _Report,
    ) -> None:
        self.file, self.batch, self.before = file, batch, before
        self.columns, self.report = columns, report

    def check_column(self, column: str, cells: Sequence[Cell]) -> None:
        """A whole column: the cells `fit_columns` cannot clear are checked one by one."""
        sql_type = self.columns.get(column.casefold())
        if sql_type is None:
            for row in range(1, len(cells) + 1):
                self.check(row, column, cells[row - 1])
            return
        self.report.values += len(cells)
        for index in column_check(sql_type).suspects(cells):
            self._check_value(index + 1, column, cells[index], sql_type)

    def check(self, row: int, column: str, cell: Cell) -> None:
        """One cell (`row`: 1-based in this INSERT)."""
        sql_type = self.columns.get(column.casefold())
        if sql_type is None:
            batch, at = self.batch, self.before + row
            self.report.fail(
                "unknown-column",
                self.file,
                f"batch {batch}, row {at}: [{column}]",
                batch=batch,
                row=at,
                column=column,
            )
            return
        self.report.values += 1
        self._check_value(row, column, cell, sql_type)

    def _check_value(self, row: int, column: str, cell: Cell, sql_type: SqlType) -> None:
        batch, at = self.batch, self.before + row
        where = {"batch": batch, "row": at, "column": column}
        try:
            value = read_cell(cell, sql_type)
        except (ValueError, KeyError) as error:
            self.report.fail(
                "unreadable-value",
                self.file,
                f"batch {batch}, row {at}, [{column}]: {error}",
                **where,
            )
            return
        problem = misfit(value, sql_type)
        if problem is not None:
            self.report.fail(
                "value-does-not-fit",
                self.file,
                f"batch {batch}, row {at}, [{column}] {sql_type.render()}: {problem}",
                **where,
            )

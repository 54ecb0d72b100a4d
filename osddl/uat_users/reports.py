"""The CSV reports of `out/uat-users/`: the map template (00), the preview (01) and the matching
report (04). Pure text builders: RFC 4180 via the `csv` module, LF line ends, sorted rows."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Final

from osddl.uat_users.discovery import ColumnIds
from osddl.uat_users.ids import UserId, id_text
from osddl.uat_users.matching import Resolution

TEMPLATE_COLUMNS: Final = (
    "SourceUserId",
    "TargetUserId",
    "Note",
    "SourceUsername",
    "SourceEMail",
    "SourceName",
    "Classification",
    "Strategy",
    "Rows",
    "Explanation",
)
PREVIEW_COLUMNS: Final = ("Schema", "Table", "Column", "SourceUserId", "TargetUserId", "Rows")
REPORT_COLUMNS: Final = (
    "SourceUserId",
    "SourceUsername",
    "TargetUserId",
    "TargetUsername",
    "Strategy",
    "Explanation",
    "UsedFallback",
    "ValidationStatus",
)


def csv_text(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(["" if v is None else str(v) for v in row] for row in rows)
    return buffer.getvalue()


def _id(value: UserId | None) -> str:
    return "" if value is None else id_text(value)


def template_csv(orphans: Iterable[Resolution]) -> str:
    """`00_user_map.template.csv`: every orphan with its QA user and the suggested target (blank
    where none). Its first three columns are the user map's, so a filled-in copy is a map."""
    rows = []
    for r in orphans:
        qa = r.qa
        suggested = r.target if r.mapped else None
        rows.append(
            (
                _id(r.source),
                _id(suggested),
                "",
                qa.username if qa else "",
                qa.email if qa else "",
                qa.name if qa else "",
                r.classification or "",
                r.strategy if r.mapped else "",
                r.rows,
                r.explanation,
            )
        )
    return csv_text(TEMPLATE_COLUMNS, rows)


def preview_csv(columns: Iterable[ColumnIds], orphans: Iterable[Resolution]) -> str:
    """`01_preview.csv`: per column and orphan id, the target (blank: unmapped) and the rows."""
    by_id = {r.source: r for r in orphans}
    rows = []
    for scanned in columns:
        c = scanned.column
        for user_id, count in scanned.counts:
            resolution = by_id.get(user_id)
            if resolution is None:
                continue
            target = resolution.target if resolution.mapped else None
            rows.append((c.schema, c.table, c.column, _id(user_id), _id(target), count))
    return csv_text(PREVIEW_COLUMNS, rows)


def matching_report_csv(resolutions: Iterable[Resolution]) -> str:
    """`04_matching_report.csv`: one line per orphan and per map row that resolves none."""
    rows = [
        (
            _id(r.source),
            r.qa.username if r.qa else "",
            _id(r.target),
            r.target_user.username if r.target_user else "",
            r.strategy,
            r.explanation,
            "true" if r.used_fallback else "false",
            r.status,
        )
        for r in resolutions
    ]
    return csv_text(REPORT_COLUMNS, rows)

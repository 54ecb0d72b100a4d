"""Operator CSV files read with the standard `csv` module (RFC 4180): the one reader of the
inventories and the user map.

Quoted fields may hold commas, quotes and line breaks; a UTF-8 BOM is accepted; invalid UTF-8 is
reported with its byte offset. Every record keeps the physical line it starts on, so messages
point at the line an editor shows. Problems are findings, never exceptions.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from osddl.io import sha256_bytes
from osddl.uat_users.messages import Finding, finding

BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class Record:
    line: int  # physical line the record starts on (the header is line 1)
    fields: tuple[str, ...]


@dataclass(frozen=True)
class CsvFile:
    """A parsed file: the header's column positions by canonical name, and the data records."""

    label: str
    sha256: str
    positions: dict[str, int]
    records: tuple[Record, ...]

    def cell(self, record: Record, column: str) -> str:
        """The record's field of a column; an absent optional column reads as blank."""
        position = self.positions.get(column)
        return "" if position is None else record.fields[position]


def read_csv(
    path: Path,
    label: str,
    role: str,
    required: Sequence[str],
    setting: str,
    optional: Sequence[str] = (),
) -> tuple[CsvFile | None, list[Finding]]:
    """Read `path`; the header must name every `required` column (any order and case); the
    `optional` ones are located when present, other columns are ignored.

    Returns the file (None when it cannot be used at all) and every finding about it.
    """
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None, [finding("file-missing", label, role=role, setting=setting)]
    text, problem = _decode(data, label, role)
    if problem is not None:
        return None, [problem]
    records, findings = _records(text, label, role)
    if not records:
        return None, [*findings, finding("file-empty", label, role=role, line=1)]
    header, rows = records[0], records[1:]
    positions, header_findings = _header(header, label, role, required, optional)
    findings += header_findings
    if positions is None:
        return None, findings
    width = len(header.fields)
    good: list[Record] = []
    for record in rows:
        if len(record.fields) != width:
            findings.append(
                finding(
                    "field-count",
                    label,
                    role=role,
                    line=record.line,
                    count=len(record.fields),
                    expected=width,
                )
            )
        else:
            good.append(record)
    return CsvFile(label, sha256_bytes(data), positions, tuple(good)), findings


def _decode(data: bytes, label: str, role: str) -> tuple[str, Finding | None]:
    start = len(BOM) if data.startswith(BOM) else 0
    try:
        return data[start:].decode("utf-8"), None
    except UnicodeDecodeError as error:
        offset = start + error.start
        return "", finding(
            "invalid-utf8",
            label,
            role=role,
            line=data.count(b"\n", 0, offset) + 1,
            offset=offset,
            byte=f"{data[offset]:02X}",
        )


def _records(text: str, label: str, role: str) -> tuple[list[Record], list[Finding]]:
    """Records with their first physical line; blank lines are skipped."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    records: list[Record] = []
    previous = 0
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            return records, []
        except csv.Error as error:
            return records, [
                finding("csv-syntax", label, role=role, line=previous + 1, detail=str(error))
            ]
        if fields and any(f.strip() for f in fields):
            records.append(Record(previous + 1, tuple(fields)))
        previous = reader.line_num


def _header(
    header: Record, label: str, role: str, required: Sequence[str], optional: Sequence[str]
) -> tuple[dict[str, int] | None, list[Finding]]:
    wanted = {name.casefold(): name for name in (*required, *optional)}
    positions: dict[str, int] = {}
    seen: dict[str, int] = {}
    findings: list[Finding] = []
    for index, raw in enumerate(header.fields):
        name = raw.strip()
        key = name.casefold()
        if key in seen:
            findings.append(
                finding(
                    "duplicate-column",
                    label,
                    role=role,
                    line=header.line,
                    column=name,
                    value=name,
                    first=seen[key] + 1,
                    again=index + 1,
                )
            )
            continue
        seen[key] = index
        if key in wanted:
            positions[wanted[key]] = index
    for name in required:
        if name not in positions:
            findings.append(
                finding(
                    "missing-column",
                    label,
                    role=role,
                    line=header.line,
                    column=name,
                    value=name,
                    expected=", ".join(required),
                )
            )
    return (None if findings else positions), findings

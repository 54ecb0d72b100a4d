"""Operator CSV files read with the standard `csv` module (RFC 4180): the one reader of the
inventories and the user map.

Quoted fields may hold commas, quotes and line breaks; a UTF-8 BOM is accepted; invalid UTF-8 is
reported with its byte offset. Every record keeps the physical line it starts on, so messages
point at the line an editor shows. Problems are findings, never exceptions.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from osddl.io import sha256_bytes
from osddl.uat_users.messages import Finding, finding

BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True, slots=True)
class Record:
    line: int  # physical line the record starts on (the header is line 1)
    fields: list[str]


class CsvFile:
    """A file whose header is valid: column positions by canonical name, and its data records,
    parsed while they are iterated (a million-row inventory is never held as records). Findings
    about records (field count, CSV syntax) are added to `findings` during the iteration."""

    def __init__(
        self, label: str, sha256: str, positions: dict[str, int], width: int, rows: _Rows
    ) -> None:
        self.label, self.sha256, self.positions = label, sha256, positions
        self.width = width
        self.findings: list[Finding] = []
        self._rows = rows

    def records(self) -> Iterator[Record]:
        for record in self._rows:
            if isinstance(record, Finding):
                self.findings.append(record)
            elif len(record.fields) != self.width:
                self.findings.append(
                    finding(
                        "field-count",
                        self.label,
                        role=self._rows.role,
                        line=record.line,
                        count=len(record.fields),
                        expected=self.width,
                    )
                )
            else:
                yield record

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

    Returns the file (None when it cannot be used at all) and the findings about the file and its
    header; iterate `records()` for the rest.
    """
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None, [finding("file-missing", label, role=role, setting=setting)]
    text, problem = _decode(data, label, role)
    digest = sha256_bytes(data)
    del data
    if problem is not None:
        return None, [problem]
    rows = _Rows(text, label, role)
    header = next(iter(rows), None)
    if not isinstance(header, Record):
        problems = [header] if isinstance(header, Finding) else []
        return None, [*problems, finding("file-empty", label, role=role, line=1)]
    positions, findings = _header(header, label, role, required, optional)
    if positions is None:
        return None, findings
    return CsvFile(label, digest, positions, len(header.fields), rows), findings


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


class _Rows:
    """Records with their first physical line (blank lines skipped), then at most one finding
    when the CSV syntax breaks; iterated once, lazily."""

    def __init__(self, text: str, label: str, role: str) -> None:
        self.label, self.role = label, role
        self._reader = csv.reader(io.StringIO(text, newline=""), strict=True)

    def __iter__(self) -> Iterator[Record | Finding]:
        reader = self._reader
        previous = reader.line_num
        while True:
            try:
                fields = next(reader)
            except StopIteration:
                return
            except csv.Error as error:
                yield finding(
                    "csv-syntax", self.label, role=self.role, line=previous + 1, detail=str(error)
                )
                return
            if fields and (fields[0].strip() or any(f.strip() for f in fields)):
                yield Record(previous + 1, fields)
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

"""Operator CSV files read with the standard `csv` module (RFC 4180): the one reader of the
inventories and the user map.

Quoted fields may hold commas, quotes and line breaks; a UTF-8 BOM is accepted; invalid UTF-8 is
reported with its byte offset. Every record keeps the physical line it starts on, so messages
point at the line an editor shows. Problems are findings, never exceptions.

`read_clean` is the fast path for a big, clean file: Arrow's CSV parser reads it into columns, but
only when the file is one that both parsers provably read the same way (one record per line, every
quote well-formed, valid UTF-8, ...); on any doubt it returns None and the caller uses `read_csv`.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from osddl.io import sha256_bytes
from osddl.uat_users.messages import Finding, finding

BOM = b"\xef\xbb\xbf"
# One line of RFC 4180 fields, every quoted field closed on the line and followed by a comma or
# the end of the line (what `csv` in strict mode accepts; Arrow reads such a line the same way).
_FIELD: Final = rb'(?:"(?:[^"]|"")*"|[^",\r\n][^,\r\n]*)?'
CLEAN_LINE: Final = re.compile(_FIELD + rb"(?:," + _FIELD + rb")*\r?")
DECODE_CHUNK: Final = 8 << 20  # bytes checked for UTF-8 at a time
BLOCK_BYTES: Final = 1 << 20  # bytes of records Arrow parses at a time (one thread: less memory)


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
    positions, findings = parse_header(header, label, role, required, optional)
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


def parse_header(
    header: Record, label: str, role: str, required: Sequence[str], optional: Sequence[str]
) -> tuple[dict[str, int] | None, list[Finding]]:
    """Column positions by canonical name, or None and the header's findings."""
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


# --- the fast path -------------------------------------------------------------------------------


class NotClean(Exception):
    """Arrow could not read the records of a file `read_clean` accepted, or read another number
    of them than the file has lines: the caller reads the file with `read_csv` instead."""


@dataclass(frozen=True)
class CleanCsv:
    """A clean file (`read_clean`): its fingerprint, its header and where its records are; the
    records are parsed by Arrow when `batches` is iterated. Record k (from 0) is on line k + 2."""

    path: Path
    sha256: str
    size: int
    positions: dict[str, int]  # canonical column name → field position
    width: int
    offset: int  # byte offset of the first record
    rows: int  # records (non-blank lines after the header)

    def batches(self, block_bytes: int = BLOCK_BYTES) -> Iterator[dict[str, pa.Array]]:
        """The records, a block at a time: canonical column name → its fields as strings.
        Raises `NotClean` when Arrow refuses a line (another field count), when a field is over
        `csv.field_size_limit()`, or when the records are not `rows` records."""
        names = [f"f{k}" for k in range(self.width)]
        limit = csv.field_size_limit()
        rows = 0
        try:
            with pa.OSFile(str(self.path)) as handle:
                if handle.size() != self.size:
                    raise NotClean("the file changed while it was read")
                handle.seek(self.offset)
                reader = pa_csv.open_csv(handle, **_arrow_options(names, block_bytes))
                for batch in reader:
                    for column in batch.columns:
                        if len(column) and pc.max(pc.utf8_length(column)).as_py() > limit:
                            raise NotClean("a field over csv.field_size_limit()")
                    rows += batch.num_rows
                    yield {name: batch.column(at) for name, at in self.positions.items()}
        except pa.ArrowException as error:
            raise NotClean(str(error)) from None
        if rows != self.rows:
            raise NotClean("blank lines between records")  # their lines would shift


def read_clean(
    path: Path, label: str, role: str, required: Sequence[str], optional: Sequence[str] = ()
) -> CleanCsv | None:
    """The file, when it is one `read_csv` would read without a finding about the file, its
    header or a record's CSV form, and Arrow reads the same way: valid UTF-8 without NUL, lines
    ended by LF or CRLF, the header on line 1 and every record on one line, every quote
    well-formed. Else None. The records' field counts and lines are checked while `batches` reads
    them; the caller still checks the values."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    start = len(BOM) if data.startswith(BOM) else 0
    if b"\x00" in data or not _utf8(data, start):
        return None
    if data.count(b"\r") != data.count(b"\r\n"):
        return None  # a lone CR ends a line for `csv`
    end = len(data)
    while end > start and data[end - 1] in b"\r\n":
        end -= 1  # trailing line breaks: no records, no effect on the lines before
    if end == start or data[start] in b"\r\n" or not _quotes_clean(data, start, end):
        return None
    first_break = data.find(b"\n", start, end)
    header_end = end if first_break < 0 else first_break
    try:
        header = next(csv.reader([data[start:header_end].decode().removesuffix("\r")]))
    except (csv.Error, StopIteration):
        return None
    if not any(field.strip() for field in header):
        return None  # `csv` skips a blank record: the header would be on a later line
    positions, problems = parse_header(Record(1, header), label, role, required, optional)
    if positions is None or problems:
        return None
    rows = data.count(b"\n", start, end)  # lines after the header's
    return CleanCsv(
        path, sha256_bytes(data), len(data), positions, len(header), header_end + 1, rows
    )


def _utf8(data: bytes, start: int) -> bool:
    """Whether `data[start:]` is valid UTF-8 (checked in chunks: no copy of the whole text)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    view = memoryview(data)
    try:
        for offset in range(start, len(data), DECODE_CHUNK):
            decoder.decode(view[offset : offset + DECODE_CHUNK], final=False)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _quotes_clean(data: bytes, start: int, end: int) -> bool:
    """Every line holding a quote is a line of well-formed fields (most lines hold none)."""
    at = data.find(b'"', start, end)
    while at >= 0:
        line_break = data.rfind(b"\n", start, at)
        line_start = start if line_break < 0 else line_break + 1
        line_end = data.find(b"\n", at, end)
        line_end = end if line_end < 0 else line_end
        if CLEAN_LINE.fullmatch(data, line_start, line_end) is None:
            return False
        at = data.find(b'"', line_end, end)
    return True


def _arrow_options(names: list[str], block_bytes: int) -> dict[str, object]:
    """Arrow's CSV options for RFC 4180 records of string fields, one record per line."""
    return {
        "read_options": pa_csv.ReadOptions(
            column_names=names, block_size=block_bytes, use_threads=False
        ),
        "parse_options": pa_csv.ParseOptions(
            delimiter=",",
            quote_char='"',
            double_quote=True,
            escape_char=False,
            newlines_in_values=False,
            ignore_empty_lines=True,
        ),
        "convert_options": pa_csv.ConvertOptions(
            check_utf8=False,  # checked already, much faster in Python
            column_types=dict.fromkeys(names, pa.string()),
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
    }

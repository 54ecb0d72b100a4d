"""The operator's user map `SourceUserId,TargetUserId[,Note]`: read, and checked against UAT.

The tool never rewrites this file. Extra columns are ignored, so a filled-in copy of
`00_user_map.template.csv` is a valid map. Rules that need the orphans (source in QA, source is an
orphan) are checked by `matching`, after discovery.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Final

from osddl.uat_users.csvfile import CsvFile, Record, read_csv
from osddl.uat_users.ids import KIND_NAMES, IdKind, UserId, parse_id
from osddl.uat_users.inventory import Inventory
from osddl.uat_users.messages import Finding, finding

COLUMNS: Final = ("SourceUserId", "TargetUserId")
OPTIONAL: Final = ("Note",)


@dataclass(frozen=True)
class MapRow:
    line: int
    source: UserId
    target: UserId
    note: str


@dataclass(frozen=True)
class UserMap:
    file: str
    sha256: str
    rows: tuple[MapRow, ...]  # well-formed rows in file order, duplicates included

    def first_rows(self) -> dict[UserId, MapRow]:
        """The first row of each source (later ones are reported as duplicates)."""
        out: dict[UserId, MapRow] = {}
        for row in self.rows:
            out.setdefault(row.source, row)
        return out

    def duplicated(self) -> set[UserId]:
        seen: set[UserId] = set()
        again: set[UserId] = set()
        for row in self.rows:
            (again if row.source in seen else seen).add(row.source)
        return again


EMPTY_MAP: Final = UserMap("", "", ())


def read_user_map(
    path: Path, kind: IdKind, label: str | None = None
) -> tuple[UserMap | None, list[Finding]]:
    """Read the map; ids must be of the inventories' kind; a repeated source is a finding."""
    shown = label or path.as_posix()
    table, findings = read_csv(path, shown, "map", COLUMNS, "map", OPTIONAL)
    if table is None:
        return None, findings
    rows: list[MapRow] = []
    first: dict[UserId, int] = {}
    for record in table.records():
        ids, problems = _ids(table, record, kind)
        findings += problems
        if ids is None:
            continue
        source, target = ids
        if source in first:
            findings.append(
                finding(
                    "map-duplicate-source",
                    shown,
                    role="map",
                    line=record.line,
                    column="SourceUserId",
                    value=table.cell(record, "SourceUserId").strip(),
                    first=first[source],
                )
            )
        first.setdefault(source, record.line)
        rows.append(MapRow(record.line, source, target, table.cell(record, "Note").strip()))
    findings += table.findings
    findings.sort(key=lambda f: f.line or 0)
    return UserMap(shown, table.sha256, tuple(rows)), findings


def _ids(
    table: CsvFile, record: Record, kind: IdKind
) -> tuple[tuple[UserId, UserId] | None, list[Finding]]:
    parsed: list[UserId] = []
    findings: list[Finding] = []
    for column in COLUMNS:
        text = table.cell(record, column).strip()
        value = parse_id(text, kind) if text else None
        if value is None:
            code = "map-bad-id" if text else "map-blank-id"
            findings.append(
                finding(
                    code,
                    table.label,
                    role="map",
                    line=record.line,
                    column=column,
                    value=text or None,
                    kind_name=KIND_NAMES[kind],
                )
            )
        else:
            parsed.append(value)
    if findings:
        return None, findings
    return (parsed[0], parsed[1]), []


def check_targets(user_map: UserMap, uat: Inventory, allow_inactive: bool) -> list[Finding]:
    """Every target is a UAT user, and active unless inactive targets are allowed."""
    findings: list[Finding] = []
    targets = list(dict.fromkeys(row.target for row in user_map.rows))
    users = dict(zip(targets, uat.users.lookup(targets), strict=True))
    for row in user_map.rows:
        user = users.get(row.target)
        if user is not None and (user.is_active or allow_inactive):
            continue
        findings.append(
            finding(
                "map-target-not-in-uat" if user is None else "map-target-inactive",
                user_map.file,
                role="map",
                line=row.line,
                column="TargetUserId",
                value=row.target,
                username=user.describe() if user else "",
            )
        )
    return findings

"""The QA and UAT user inventories (exports of each environment's `ossys_User`), validated.

Every rule of spec 05 is checked and every failure is a finding: blank, duplicate and wrong-kind
ids, unparsable `Is_Active` and dates (the CSV-level rules are in `csvfile`). The id kind of a file
is the kind of its first id unless the caller knows it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final, Literal

from osddl.uat_users.csvfile import CsvFile, Record, read_csv
from osddl.uat_users.ids import KIND_NAMES, IdKind, UserId, kind_of, parse_id
from osddl.uat_users.messages import Finding, finding

Role = Literal["qa", "uat"]

COLUMNS: Final = (
    "Id",
    "Username",
    "EMail",
    "Name",
    "External_Id",
    "Is_Active",
    "Creation_Date",
    "Last_Login",
)
DATE_COLUMNS: Final = ("Creation_Date", "Last_Login")
# Optional text columns where SSMS writes NULL for a missing value.
NULLABLE_TEXT: Final = ("EMail", "Name", "External_Id")
BOOLEANS: Final[dict[str, bool]] = {"1": True, "0": False, "true": True, "false": False}
SETTINGS: Final[dict[str, str]] = {"qa": "qa_inventory", "uat": "uat_inventory"}

_DATE = re.compile(
    r"(?P<day>\d{4}-\d{2}-\d{2})"
    r"(?:[ T](?P<hour>\d{2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:\.\d{1,7})?)?)?"
    r"\s*(?:Z|[+-]\d{2}:?\d{2})?"
)


@dataclass(frozen=True)
class User:
    id: UserId
    username: str
    email: str
    name: str
    external_id: str
    is_active: bool
    creation_date: str
    last_login: str
    line: int = 0

    def attribute(self, column: str) -> str:
        """The value of an inventory column by its canonical name (for `attribute:<Column>`)."""
        return {
            "Username": self.username,
            "EMail": self.email,
            "Name": self.name,
            "External_Id": self.external_id,
        }[column]

    def describe(self) -> str:
        return self.username or self.email or "(no username)"


@dataclass(frozen=True)
class Inventory:
    role: Role
    file: str
    sha256: str
    kind: IdKind
    users: dict[UserId, User] = field(default_factory=dict)

    def get(self, user_id: UserId) -> User | None:
        return self.users.get(user_id)


def inventory_of(
    role: Role, kind: IdKind, users: Iterable[User], file: str = "", sha256: str = ""
) -> Inventory:
    """An inventory built in memory (tests; callers that hold the users already)."""
    return Inventory(role, file or f"{role}_users.csv", sha256, kind, {u.id: u for u in users})


def read_inventory(
    path: Path, role: Role, label: str | None = None, kind: IdKind | None = None
) -> tuple[Inventory | None, list[Finding]]:
    """Read and check one inventory; the inventory is None when any row is invalid."""
    shown = label or path.as_posix()
    table, findings = read_csv(path, shown, role, COLUMNS, SETTINGS[role])
    if table is None:
        return None, findings
    users, row_findings, found_kind = _users(table, role, kind)
    findings += row_findings
    if findings:
        return None, findings
    return Inventory(role, shown, table.sha256, found_kind, users), findings


def _users(
    table: CsvFile, role: Role, kind: IdKind | None
) -> tuple[dict[UserId, User], list[Finding], IdKind]:
    findings: list[Finding] = []
    users: dict[UserId, User] = {}
    since = "as the model's user ids are" if kind else ""
    for record in table.records:
        text = table.cell(record, "Id").strip()
        if not text:
            findings.append(_at(table, role, record, "blank-id", "Id", None))
            continue
        if kind is None:
            kind, since = kind_of(text), f"first id at line {record.line}"
        user_id = parse_id(text, kind)
        if user_id is None:
            findings.append(
                _at(table, role, record, "bad-id", "Id", text, **_kinds(text, kind, since))
            )
            continue
        if user_id in users:
            first = users[user_id].line
            findings.append(_at(table, role, record, "duplicate-id", "Id", text, first=first))
            continue
        user, problems = _user(table, role, record, user_id)
        findings += problems
        users[user_id] = user
    return users, findings, kind or "int"


def _kinds(text: str, kind: IdKind, since: str) -> dict[str, str]:
    return {"found": KIND_NAMES[kind_of(text)], "kind_name": _plural(kind), "since": since}


def _plural(kind: IdKind) -> str:
    return {"int": "integers", "guid": "GUIDs", "text": "text"}[kind]


def _user(
    table: CsvFile, role: Role, record: Record, user_id: UserId
) -> tuple[User, list[Finding]]:
    findings: list[Finding] = []
    active_text = table.cell(record, "Is_Active").strip()
    active = BOOLEANS.get(active_text.lower())
    if active is None:
        findings.append(_at(table, role, record, "bad-boolean", "Is_Active", active_text))
    dates = {}
    for column in DATE_COLUMNS:
        value = _blank_null(table.cell(record, column).strip())
        if value and not _is_date(value):
            findings.append(_at(table, role, record, "bad-date", column, value))
        dates[column] = value
    user = User(
        id=user_id,
        username=table.cell(record, "Username").strip(),
        email=_blank_null(table.cell(record, "EMail").strip()),
        name=_blank_null(table.cell(record, "Name").strip()),
        external_id=_blank_null(table.cell(record, "External_Id").strip()),
        is_active=bool(active),
        creation_date=dates["Creation_Date"],
        last_login=dates["Last_Login"],
        line=record.line,
    )
    return user, findings


def _blank_null(value: str) -> str:
    """SSMS's "Save results as" writes NULL for a missing value."""
    return "" if value == "NULL" else value


def _is_date(value: str) -> bool:
    match = _DATE.fullmatch(value)
    if match is None:
        return False
    try:
        dt.date.fromisoformat(match["day"])
    except ValueError:
        return False
    hour, minute, second = (int(match[k] or 0) for k in ("hour", "minute", "second"))
    return hour < 24 and minute < 60 and second < 60


def _at(
    table: CsvFile,
    role: Role,
    record: Record,
    code: str,
    column: str,
    value: str | None,
    **params: object,
) -> Finding:
    return finding(
        code, table.label, role=role, line=record.line, column=column, value=value, **params
    )


def kinds_agree(qa: Inventory, uat: Inventory) -> list[Finding]:
    """Both inventories must hold ids of one kind."""
    if qa.kind == uat.kind:
        return []
    return [
        finding(
            "id-kinds-differ",
            uat.file,
            role="uat",
            qa_kind=_plural(qa.kind),
            uat_kind=_plural(uat.kind),
        )
    ]

"""The QA and UAT user inventories (exports of each environment's `ossys_User`), validated.

Every rule of spec 05 is checked and every failure is a finding: blank, duplicate and wrong-kind
ids, unparsable `Is_Active` and dates (the CSV-level rules are in `csvfile`). The id kind of a file
is the kind of its first id unless the caller knows it.
"""

from __future__ import annotations

import datetime as dt
import gc
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from operator import itemgetter
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
BOOLEANS: Final[dict[str, bool]] = {"1": True, "0": False, "true": True, "false": False}
SETTINGS: Final[dict[str, str]] = {"qa": "qa_inventory", "uat": "uat_inventory"}

_DATE = re.compile(
    r"(?P<day>\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01]))"
    r"(?:[ T](?:[01]\d|2[0-3]):[0-5]\d(?::[0-5]\d(?:\.\d{1,7})?)?)?"
    r"\s*(?:Z|[+-]\d{2}:?\d{2})?"
)


@dataclass(frozen=True, slots=True)
class User:
    """What matching needs of a user (the dates are validated, not kept)."""

    id: UserId
    username: str
    email: str
    name: str
    external_id: str
    is_active: bool
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
    with _no_cycle_collection():
        users, row_findings, found_kind = _users(table, role, kind)
    findings += sorted([*table.findings, *row_findings], key=lambda f: f.line or 0)
    if findings:
        return None, findings
    return Inventory(role, shown, table.sha256, found_kind, users), findings


@contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """A million users make a million tracked objects, none in a reference cycle: the cyclic
    garbage collector would walk them again and again (about a fifth of the load time)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _users(
    table: CsvFile, role: Role, kind: IdKind | None
) -> tuple[dict[UserId, User], list[Finding], IdKind]:
    """One tight loop: an inventory may hold a million users."""
    findings: list[Finding] = []
    users: dict[UserId, User] = {}
    since = "as the model's user ids are" if kind else ""
    fields = itemgetter(*(table.positions[c] for c in COLUMNS))
    for record in table.records():
        raw_id, username, email, name, external, active_text, created, login = fields(record.fields)
        text = raw_id.strip()
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
        active = BOOLEANS.get(active_text.strip().lower())
        if active is None:
            findings.append(
                _at(table, role, record, "bad-boolean", "Is_Active", active_text.strip())
            )
        if created and not _is_date(created):
            findings.append(_at(table, role, record, "bad-date", "Creation_Date", created.strip()))
        if login and not _is_date(login):
            findings.append(_at(table, role, record, "bad-date", "Last_Login", login.strip()))
        users[user_id] = User(
            user_id,
            username.strip(),
            _blank_null(email.strip()),
            _blank_null(name.strip()),
            _blank_null(external.strip()),
            bool(active),
            record.line,
        )
    return users, findings, kind or "int"


def _kinds(text: str, kind: IdKind, since: str) -> dict[str, str]:
    return {"found": KIND_NAMES[kind_of(text)], "kind_name": _plural(kind), "since": since}


def _plural(kind: IdKind) -> str:
    return {"int": "integers", "guid": "GUIDs", "text": "text"}[kind]


def _blank_null(value: str) -> str:
    """SSMS's "Save results as" writes NULL for a missing value."""
    return "" if value == "NULL" else value


def _is_date(text: str) -> bool:
    """Blank, NULL, or ISO 8601 with valid fields; only days 29 to 31 need the calendar."""
    value = text.strip()
    if not value or value == "NULL":
        return True
    match = _DATE.fullmatch(value)
    if match is None:
        return False
    day = match["day"]
    if day[8:] <= "28":
        return True
    try:
        dt.date.fromisoformat(day)
    except ValueError:
        return False
    return True


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

"""The QA and UAT user inventories (exports of each environment's `ossys_User`), validated.

Every rule of spec 05 is checked and every failure is a finding: blank, duplicate and wrong-kind
ids, unparsable `Is_Active` and dates (the CSV-level rules are in `csvfile`). The id kind of a file
is the kind of its first id unless the caller knows it.

An inventory may hold a million users: they are kept as Arrow columns (`Users`), and a `User` is
made only for the users a caller reads. A clean file is read by Arrow and checked column by column
(`csvfile.read_clean`); a file with anything to report, or anything the vectorised checks cannot
decide, is read again row by row by the exact reader, which writes every message.
"""

from __future__ import annotations

import datetime as dt
import gc
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path
from typing import Any, Final, Literal

import pyarrow as pa
import pyarrow.compute as pc

from osddl.uat_users.columns import combined, id_type, positions_in, release, strip
from osddl.uat_users.csvfile import CleanCsv, CsvFile, NotClean, Record, read_clean, read_csv
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
# The same dates for Arrow (RE2), on ASCII text: `\d` and `\s` spelled as Python reads them.
_ARROW_DATE: Final = (
    r"^[0-9]{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])"
    r"(?:[ T](?:[01][0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9](?:\.[0-9]{1,7})?)?)?"
    r"[ \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f]*(?:Z|[+-][0-9]{2}:?[0-9]{2})?$"
)
_ARROW_ID: Final[dict[str, str]] = {
    "int": r"^[0-9]{1,18}$",  # what `parse_id` reads without a regular expression
    "guid": r"^\{?[0-9A-Fa-f]{8}(-[0-9A-Fa-f]{4}){3}-[0-9A-Fa-f]{12}\}?$",
}
# The columns of `Users.table`.
_FIELDS: Final = ("id", "username", "email", "name", "external_id", "is_active", "line")
_ATTRIBUTES: Final[dict[str, str]] = {
    "Username": "username",
    "EMail": "email",
    "Name": "name",
    "External_Id": "external_id",
}
_SCAN_LOOKUPS: Final = 16  # single lookups answered by a scan before an id index is built
_COMBINE_AFTER: Final = 1 << 16  # users made (reports) before the columns are made contiguous


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


class Users(Mapping[UserId, User]):
    """An inventory's users by id, held as Arrow columns in file order (`table`: id, username,
    email, name, external_id, is_active and, unless every user's line is its row + 2, line).
    Reading a user makes a `User`; `positions` and `column` serve vectorised callers. A few
    single lookups scan the ids; more build an index."""

    def __init__(self, table: pa.Table) -> None:
        self.ids: pa.Array = combined(table.column("id"))
        self.table = table.set_column(0, "id", self.ids) if table.num_columns else table
        self._index: dict[object, int] | None = None
        self._scans = 0
        self._read = 0  # users made so far

    @staticmethod
    def of(users: Iterable[User], kind: IdKind) -> Users:
        listed = list(users)
        return Users(
            pa.table(
                {
                    "id": pa.array([u.id for u in listed], id_type(kind)),
                    "username": pa.array([u.username for u in listed], pa.string()),
                    "email": pa.array([u.email for u in listed], pa.string()),
                    "name": pa.array([u.name for u in listed], pa.string()),
                    "external_id": pa.array([u.external_id for u in listed], pa.string()),
                    "is_active": pa.array([u.is_active for u in listed], pa.bool_()),
                    "line": pa.array([u.line for u in listed], pa.int64()),
                }
            )
        )

    def column(self, name: str) -> pa.ChunkedArray:
        """A column by its `table` name, or by its inventory name (`attribute:<Column>`), as
        stored (a million users' strings are not copied into one array)."""
        return self.table.column(_ATTRIBUTES.get(name, name))

    def positions(self, ids: pa.Array) -> pa.Array:
        """Each id's row (int32), NULL where the id is not a user."""
        return positions_in(ids.cast(self.ids.type) if ids.type != self.ids.type else ids, self.ids)

    def at(self, positions: Sequence[int | None]) -> list[User | None]:
        """The users at these rows (None for None)."""
        wanted = [p for p in positions if p is not None]
        if not wanted:
            return [None] * len(positions)
        self._read += len(wanted)
        if self._read > _COMBINE_AFTER and any(c.num_chunks > 1 for c in self.table.columns):
            self.table = self.table.combine_chunks()  # many users read: one array per column
        rows = self.table.take(pa.array(wanted, pa.int64()))
        columns = [rows.column(name).to_pylist() for name in _FIELDS[:-1]]
        lines = rows.column("line").to_pylist() if "line" in rows.column_names else None
        made = map(User, *columns, lines or [p + 2 for p in wanted])
        return [None if p is None else next(made) for p in positions]

    def lookup(self, ids: Sequence[UserId]) -> list[User | None]:
        """The users with these ids (None where absent), in one pass over the inventory."""
        if not ids:
            return []
        try:
            array = pa.array(list(ids), self.ids.type)
        except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
            return [self.get(i) for i in ids]
        return self.at(self.positions(array).to_pylist())

    def _position(self, user_id: object) -> int | None:
        if self._index is not None:
            return self._index.get(user_id)
        wanted_int = pa.types.is_integer(self.ids.type)
        if isinstance(user_id, bool) or not isinstance(user_id, int if wanted_int else str):
            return None
        if wanted_int and not -(2**63) <= user_id < 2**63:  # type: ignore[operator]
            return None
        self._scans += 1
        if self._scans > _SCAN_LOOKUPS:
            self._index = {u: k for k, u in enumerate(self.ids.to_pylist())}
            return self._index.get(user_id)
        found = pc.index(self.ids, user_id).as_py() if len(self.ids) else -1
        return None if found < 0 else int(found)

    def __getitem__(self, user_id: UserId) -> User:
        position = self._position(user_id)
        if position is None:
            raise KeyError(user_id)
        user = self.at([position])[0]
        assert user is not None
        return user

    def __contains__(self, user_id: object) -> bool:
        return self._position(user_id) is not None

    def __iter__(self) -> Iterator[UserId]:
        return iter(self.ids.to_pylist())

    def __len__(self) -> int:
        return len(self.ids)

    def __repr__(self) -> str:
        return f"Users({len(self)} users)"


def _no_users() -> Users:
    return Users.of((), "int")


@dataclass(frozen=True)
class Inventory:
    role: Role
    file: str
    sha256: str
    kind: IdKind
    users: Users = field(default_factory=_no_users)

    def get(self, user_id: UserId) -> User | None:
        return self.users.get(user_id)


def inventory_of(
    role: Role, kind: IdKind, users: Iterable[User], file: str = "", sha256: str = ""
) -> Inventory:
    """An inventory built in memory (tests; callers that hold the users already)."""
    by_id = {u.id: u for u in users}
    shown = file or f"{role}_users.csv"
    return Inventory(role, shown, sha256, kind, Users.of(by_id.values(), kind))


def read_inventory(
    path: Path, role: Role, label: str | None = None, kind: IdKind | None = None
) -> tuple[Inventory | None, list[Finding]]:
    """Read and check one inventory; the inventory is None when any row is invalid."""
    shown = label or path.as_posix()
    clean = read_clean(path, shown, role, COLUMNS)
    if clean is not None:
        try:
            checked = _clean_users(clean, kind)
        except NotClean:
            checked = None
        release()
        if checked is not None:
            return Inventory(role, shown, clean.sha256, checked[0], Users(checked[1])), []
    return _read_exactly(path, role, shown, kind)


def _read_exactly(
    path: Path, role: Role, shown: str, kind: IdKind | None
) -> tuple[Inventory | None, list[Finding]]:
    """Row by row, every rule with its message (what `read_inventory` falls back to)."""
    table, findings = read_csv(path, shown, role, COLUMNS, SETTINGS[role])
    if table is None:
        return None, findings
    with _no_cycle_collection():
        users, row_findings, found_kind = _users(table, role, kind)
    findings += sorted([*table.findings, *row_findings], key=lambda f: f.line or 0)
    if findings:
        return None, findings
    return Inventory(role, shown, table.sha256, found_kind, users), findings


def _clean_users(clean: CleanCsv, kind: IdKind | None) -> tuple[IdKind, pa.Table] | None:
    """The `Users` table of a clean file when every row passes every rule, checked a block at a
    time, column-wise; None when a row may fail one, or when only Python can tell (non-ASCII ids,
    booleans or dates): the exact reader then decides and words the messages."""
    parts: dict[str, list[pa.Array]] = {name: [] for name in _FIELDS[:-1]}
    rows = 0
    for batch in clean.batches():
        size = len(batch["Id"])
        if not size:
            continue
        ids_text = strip(batch["Id"])
        if not _all(pc.greater(pc.binary_length(ids_text), 0)):
            return None  # a blank id (or a blank record, which `csv` skips)
        kind = kind or kind_of(ids_text[0].as_py())
        ids = _ids(ids_text, kind)
        active = _booleans(strip(batch["Is_Active"]))
        if ids is None or active is None or not all(_dates(strip(batch[c])) for c in COLUMNS[6:]):
            return None
        for name, values in (
            ("id", ids),
            ("username", strip(batch["Username"])),
            ("email", _blank_nulls(strip(batch["EMail"]))),
            ("name", _blank_nulls(strip(batch["Name"]))),
            ("external_id", _blank_nulls(strip(batch["External_Id"]))),
            ("is_active", active),
        ):
            parts[name].append(values)
        rows += size
    found = kind or "int"
    types = (id_type(found), *[pa.string()] * 4, pa.bool_())
    table = pa.table(  # chunked as read: no copy of a million users into one array; no lines
        {
            name: pa.chunked_array(parts[name], type_)
            for name, type_ in zip(_FIELDS[:-1], types, strict=True)
        }
    )
    if len(pc.unique(table.column("id"))) != rows:
        return None  # a duplicate id
    return found, table


def _all(mask: pa.Array) -> bool:
    return len(mask) == 0 or bool(pc.all(mask).as_py())


def _ids(text: pa.Array, kind: IdKind) -> pa.Array | None:
    """`parse_id` of every id, when every one parses without Python."""
    if kind == "text":
        return text
    if not _all(pc.match_substring_regex(text, _ARROW_ID[kind])):
        return None
    if kind == "int":
        return combined(pc.cast(text, pa.int64()))
    return combined(pc.utf8_upper(pc.utf8_trim(text, characters="{}")))


def _booleans(text: pa.Array) -> pa.Array | None:
    if not _all(pc.string_is_ascii(text)):
        return None
    lowered = pc.ascii_lower(text)
    if not _all(pc.is_in(lowered, value_set=pa.array(list(BOOLEANS)))):
        return None
    return combined(pc.is_in(lowered, value_set=pa.array(["1", "true"])))


def _dates(text: pa.Array) -> bool:
    """Every value blank, NULL or a valid ISO 8601 date (`_is_date`), ASCII only."""
    given = pc.filter(text, pc.and_(pc.not_equal(text, ""), pc.not_equal(text, "NULL")))
    if not len(given):
        return True
    if not _all(pc.string_is_ascii(given)) or not _all(
        pc.match_substring_regex(given, _ARROW_DATE)
    ):
        return False
    days = pc.unique(pc.utf8_slice_codeunits(given, 0, 10))
    late = pc.filter(days, pc.greater(pc.utf8_slice_codeunits(days, 8, 10), "28"))
    return all(_is_date(day) for day in late.to_pylist())


def _blank_nulls(text: pa.Array) -> pa.Array:
    """`_blank_null` of every value."""
    return combined(pc.if_else(pc.equal(text, "NULL"), "", text))


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


def _users(table: CsvFile, role: Role, kind: IdKind | None) -> tuple[Users, list[Finding], IdKind]:
    """One tight loop: an inventory may hold a million users."""
    findings: list[Finding] = []
    lines: dict[UserId, int] = {}
    values: list[list[Any]] = [[] for _ in _FIELDS]
    add = [column.append for column in values]
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
        if user_id in lines:
            first = lines[user_id]
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
        lines[user_id] = record.line
        for append, value in zip(add, (
            user_id, username.strip(), _blank_null(email.strip()), _blank_null(name.strip()),
            _blank_null(external.strip()), bool(active), record.line,
        ), strict=True):  # fmt: skip
            append(value)
    found = kind or "int"
    types = (id_type(found), *[pa.string()] * 4, pa.bool_(), pa.int64())
    columns = {n: pa.array(v, t) for n, v, t in zip(_FIELDS, values, types, strict=True)}
    return Users(pa.table(columns)), findings, found


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

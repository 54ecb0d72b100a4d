"""User ids: the three kinds (integer, GUID, text), parsing, canonical form and sort order.

One kind per run: both inventories hold ids of the same kind, and every value read from a snapshot
is brought to that kind's canonical form before it is compared (integers as `int`, GUIDs as
upper-case text, text ids as they are). Everything here is pure.
"""

from __future__ import annotations

import re
import uuid
from typing import Final, Literal

IdKind = Literal["int", "guid", "text"]
UserId = int | str

# What an operator reads in a message about a kind.
KIND_NAMES: Final[dict[str, str]] = {"int": "an integer", "guid": "a GUID", "text": "text"}
# The mapping table column type of the UPDATE script, per kind (spec 05).
MAPPING_SQL_TYPES: Final[dict[str, str]] = {
    "int": "bigint",
    "guid": "uniqueidentifier",
    "text": "nvarchar(450)",
}
# SQL Server column types that can hold ids of each kind.
COLUMN_TYPES: Final[dict[str, frozenset[str]]] = {
    "int": frozenset({"tinyint", "smallint", "int", "bigint", "decimal", "numeric"}),
    "guid": frozenset({"uniqueidentifier", "char", "varchar", "nchar", "nvarchar"}),
    "text": frozenset({"char", "varchar", "nchar", "nvarchar"}),
}

_INT = re.compile(r"[+-]?\d{1,19}")
_GUID = re.compile(r"\{?[0-9A-Fa-f]{8}(-[0-9A-Fa-f]{4}){3}-[0-9A-Fa-f]{12}\}?")
_BIGINT = (-(2**63), 2**63 - 1)


def kind_of(text: str) -> IdKind:
    """The kind one id's text looks like: an integer, a GUID, or else text."""
    value = text.strip()
    if _INT.fullmatch(value) and _BIGINT[0] <= int(value) <= _BIGINT[1]:
        return "int"
    if _GUID.fullmatch(value):
        return "guid"
    return "text"


def parse_id(text: str, kind: IdKind) -> UserId | None:
    """`text` as an id of `kind`, or None when it is not one (text ids: anything non-blank)."""
    value = text.strip()
    if not value:
        return None
    if kind == "int":
        if value.isascii() and value.isdigit() and len(value) < 19:
            return int(value)  # the common case, without a regular expression
        return int(value) if kind_of(value) == "int" else None
    if kind == "guid":
        return str(uuid.UUID(value)).upper() if _GUID.fullmatch(value) else None
    return value


def canonical(value: object, kind: IdKind) -> UserId:
    """A value read from data (a snapshot, a script) in the kind's canonical form, as
    `discovery.canonical_array` makes it: integers as int, GUID text trimmed and upper case, text
    as it is. An integer-kind value that is no integer stays text (it then matches no user)."""
    if kind == "int":
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        parsed = parse_id(str(value), "int")
        return str(value) if parsed is None else parsed
    text = value if isinstance(value, str) else str(value)
    return text.strip().upper() if kind == "guid" else text


def id_text(value: UserId) -> str:
    return str(value)


def sort_key(value: UserId) -> tuple[int, int, str]:
    """Integers numerically, then text; one order for every list of ids in every artifact."""
    return (0, value, "") if isinstance(value, int) else (1, 0, value)


def column_holds(kind: IdKind, sql_type_name: str) -> bool:
    """Whether a column of this SQL Server type can hold user ids of this kind."""
    return sql_type_name.lower() in COLUMN_TYPES[kind]

"""The one place that knows T-SQL syntax: identifier quoting, literals, statement scripts.

Every SQL artifact goes through these functions; nothing else builds SQL text by hand.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from osddl.errors import InputError

# Type family of a SQL Server type name, for back-fill sentinels and literal rendering.
FAMILIES: dict[str, str] = {
    "char": "text",
    "varchar": "text",
    "nchar": "text",
    "nvarchar": "text",
    "text": "text",
    "ntext": "text",
    "xml": "text",
    "sysname": "text",
    "bigint": "number",
    "int": "number",
    "smallint": "number",
    "tinyint": "number",
    "decimal": "number",
    "numeric": "number",
    "money": "number",
    "smallmoney": "number",
    "float": "number",
    "real": "number",
    "bit": "bit",
    "date": "date",
    "time": "time",
    "datetime": "datetime",
    "datetime2": "datetime",
    "smalldatetime": "datetime",
    "datetimeoffset": "datetime",
    "uniqueidentifier": "guid",
    "binary": "binary",
    "varbinary": "binary",
    "image": "binary",
}

# Built-in NULL back-fill values per family (`policy.sentinels` overrides them).
SENTINELS: dict[str, str] = {
    "text": "",
    "number": "0",
    "bit": "0",
    "date": "1900-01-01",
    "time": "00:00:00",
    "datetime": "1900-01-01T00:00:00",
    "guid": "00000000-0000-0000-0000-000000000000",
    "binary": "0x",
}

_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
_HEX = re.compile(r"^0x[0-9A-Fa-f]*$")


def quote(name: str) -> str:
    """`My]Table` → `[My]]Table]`."""
    return "[" + name.replace("]", "]]") + "]"


def qualified(schema: str, name: str) -> str:
    return f"{quote(schema)}.{quote(name)}"


def string(value: str) -> str:
    """A Unicode string literal with quotes doubled."""
    return "N'" + value.replace("'", "''") + "'"


def family(sql_type: str) -> str:
    return FAMILIES.get(sql_type.split("(")[0].strip().lower(), "text")


def typed_literal(value: str, sql_type: str, where: str) -> str:
    """An operator-given value (text) as a literal of the column's type family."""
    kind = family(sql_type)
    if kind in ("number", "bit"):
        if not _NUMBER.match(value) or (kind == "bit" and value not in ("0", "1")):
            raise InputError(f"{where}: {value!r} is not a valid {kind} for a {sql_type} column")
        return value
    if kind == "binary":
        if not _HEX.match(value):
            raise InputError(f"{where}: {value!r} is not a 0x... binary value")
        return value
    return string(value) if kind == "text" else "'" + value.replace("'", "''") + "'"


def script(header: Iterable[str], statements: Iterable[str]) -> str:
    """Comment header lines, then one statement per paragraph; LF and a trailing newline."""
    lines = [f"-- {h}" if h else "--" for h in header]
    body = [s.rstrip().rstrip(";") + ";" for s in statements]
    return "\n".join(lines) + "\n" + ("\n" + "\n\n".join(body) + "\n" if body else "")

"""SQL Server type names: parse `nvarchar(50)` / `decimal(18,4)` and render them back."""

from __future__ import annotations

import re
from dataclasses import dataclass

from osddl.errors import InputError

# SQL Server types and how their arguments render: "length" (n or max), "precision_scale", "scale"
# (fractional seconds), or "" (no arguments).
SQLSERVER_TYPES: dict[str, str] = {
    "bigint": "",
    "int": "",
    "smallint": "",
    "tinyint": "",
    "bit": "",
    "decimal": "precision_scale",
    "numeric": "precision_scale",
    "money": "",
    "smallmoney": "",
    "float": "",
    "real": "",
    "date": "",
    "time": "scale",
    "datetime": "",
    "datetime2": "scale",
    "smalldatetime": "",
    "datetimeoffset": "scale",
    "char": "length",
    "varchar": "length",
    "nchar": "length",
    "nvarchar": "length",
    "text": "",
    "ntext": "",
    "binary": "length",
    "varbinary": "length",
    "image": "",
    "uniqueidentifier": "",
    "rowversion": "",
    "timestamp": "",
    "xml": "",
    "sql_variant": "",
}

MAX = -1  # length of (max)

_PATTERN = re.compile(r"^\s*\[?([A-Za-z_0-9 ]+?)\]?\s*(?:\(\s*([^)]*)\s*\))?\s*$")


@dataclass(frozen=True)
class SqlType:
    name: str
    length: int | None = None  # characters or bytes; MAX for (max)
    precision: int | None = None
    scale: int | None = None

    def render(self) -> str:
        style = SQLSERVER_TYPES[self.name]
        if style == "length" and self.length is not None:
            return f"{self.name}({'max' if self.length == MAX else self.length})"
        if style == "precision_scale" and self.precision is not None:
            return f"{self.name}({self.precision},{self.scale or 0})"
        if style == "scale" and self.scale is not None:
            return f"{self.name}({self.scale})"
        return self.name


def parse_sql_type(text: str, where: str = "type") -> SqlType:
    """`NVARCHAR(50)` → SqlType('nvarchar', length=50); unknown names are an InputError."""
    match = _PATTERN.match(text)
    name = match.group(1).strip().lower() if match else ""
    if not match or name not in SQLSERVER_TYPES:
        raise InputError(f"{where}: {text!r} is not a SQL Server type; expected e.g. nvarchar(50)")
    args = [a.strip().lower() for a in (match.group(2) or "").split(",") if a.strip()]
    style = SQLSERVER_TYPES[name]
    try:
        if style == "length" and args:
            return SqlType(name, length=MAX if args[0] == "max" else int(args[0]))
        if style == "precision_scale" and args:
            return SqlType(name, precision=int(args[0]), scale=int(args[1]) if len(args) > 1 else 0)
        if style == "scale" and args:
            return SqlType(name, scale=int(args[0]))
    except ValueError:
        raise InputError(f"{where}: {text!r} has a bad argument; expected numbers or max") from None
    return SqlType(name)

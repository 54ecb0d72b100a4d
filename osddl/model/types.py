"""OutSystems type → SQL Server type, read from `type_mapping.toml` (the table is the contract)."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from osddl.errors import InputError
from osddl.model.contract import Attribute
from osddl.model.sqltype import SqlType, parse_sql_type

TABLE_PATH = Path(__file__).with_name("type_mapping.toml")


@dataclass(frozen=True)
class LogicalType:
    name: str
    aliases: tuple[str, ...]
    sql: str
    default_length: int | None = None
    max_length_over: int | None = None
    default_precision: int | None = None
    default_scale: int | None = None


@cache
def logical_types() -> dict[str, LogicalType]:
    """Every alias (normalised) → its logical type."""
    table = tomllib.loads(TABLE_PATH.read_text(encoding="utf-8"))
    by_alias: dict[str, LogicalType] = {}
    for name, row in table.items():
        entry = LogicalType(name=name, **{**row, "aliases": tuple(row["aliases"])})
        for alias in entry.aliases:
            by_alias[alias] = entry
    return by_alias


def _normalise(type_name: str) -> str:
    text = re.sub(r"[\s_]", "", type_name).lower()
    return text[2:] if text.startswith("rt") and text[2:] in logical_types() else text


def canonical_type(type_name: str, where: str) -> str:
    """`rtLongInteger` / `Long Integer` → `Identifier`; an unknown or blank type is an error."""
    entry = logical_types().get(_normalise(type_name))
    if entry is None:
        known = ", ".join(sorted({t.name for t in logical_types().values()}))
        raise InputError(f"{where}: data type {type_name!r} is unknown; expected one of {known}")
    return entry.name


def logical_sql_type(
    type_name: str, length: int | None, precision: int | None, scale: int | None, where: str
) -> SqlType:
    """The SQL Server type of an attribute that has neither an on-disk nor an external type."""
    entry = logical_types()[_normalise(canonical_type(type_name, where))]
    size = length if length is not None else entry.default_length
    if "{length}" in entry.sql and (
        size is None or (entry.max_length_over is not None and size > entry.max_length_over)
    ):
        return parse_sql_type(entry.sql.replace("{length}", "max"), where)
    text = entry.sql.format(
        length=size,
        precision=precision if precision is not None else entry.default_precision,
        scale=scale if scale is not None else entry.default_scale,
    )
    return parse_sql_type(text, where)


def declared_sql_type(attribute: Attribute, where: str) -> SqlType | None:
    """The type the sources declare, before SQL Server's limits are applied: on-disk wins, then
    External_Column_Type, then the logical table; None for a reference (its target's type)."""
    if attribute.on_disk is not None:
        disk = attribute.on_disk
        return SqlType(
            parse_sql_type(disk.sql_type, where).name,
            length=disk.length,
            precision=disk.precision,
            scale=disk.scale,
        )
    if attribute.external_db_type:
        return parse_sql_type(attribute.external_db_type, f"{where}.externalDbType")
    if attribute.reference is not None:
        return None
    return logical_sql_type(
        attribute.data_type,
        attribute.length,
        attribute.precision,
        attribute.scale,
        f"{where}.dataType",
    )

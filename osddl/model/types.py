"""OutSystems type → SQL Server type, read from `type_mapping.toml` (the table is the contract)."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields, replace
from functools import cache
from pathlib import Path

from osddl.errors import InputError
from osddl.model.contract import Attribute
from osddl.model.sqltype import SqlType, parse_sql_type
from osddl.tsql.types import fit

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


# alias (normalised) → its logical type: the built-in table, or it with an operator's override
TypeTable = Mapping[str, LogicalType]
FIELDS = tuple(f.name for f in fields(LogicalType) if f.name != "name")


def _rows(table: Mapping[str, object], where: str) -> list[LogicalType]:
    """The rows of a type-mapping TOML document; a bad row names the file, the row and the fix."""
    rows = []
    for name, row in table.items():
        if not isinstance(row, dict):
            raise InputError(
                f"{where} [{name}]: expected a table of {', '.join(FIELDS)}; "
                f"write it as a [{name}] section with sql = ... (docs/model.md)"
            )
        unknown = sorted(set(row) - set(FIELDS))
        if unknown:
            raise InputError(
                f"{where} [{name}].{unknown[0]}: unknown field; expected one of {', '.join(FIELDS)}"
            )
        for field in FIELDS[2:]:
            if row.get(field) is not None and (
                type(row[field]) is not int or not 0 <= row[field] <= 1_000_000_000
            ):
                raise InputError(
                    f"{where} [{name}].{field}: {row[field]!r} is not a whole number >= 0; "
                    "write one, or leave the field out"
                )
        aliases = row.get("aliases", [name])
        if not isinstance(aliases, list) or not all(isinstance(a, str) and a for a in aliases):
            raise InputError(
                f"{where} [{name}].aliases: expected a list of type names; "
                'write e.g. aliases = ["text", "longtext"]'
            )
        if not isinstance(row.get("sql"), str):
            raise InputError(
                f"{where} [{name}].sql: expected the SQL Server type; "
                'write e.g. sql = "nvarchar(100)"'
            )
        rows.append(
            LogicalType(
                name,
                tuple(_normalise_alias(a) for a in aliases),
                **{k: v for k, v in row.items() if k not in ("aliases",)},
            )
        )
    return rows


def _normalise_alias(text: str) -> str:
    return re.sub(r"[\s_]", "", text).lower()


def _by_alias(rows: Sequence[LogicalType]) -> dict[str, LogicalType]:
    return {alias: row for row in rows for alias in row.aliases}


@cache
def builtin_types() -> TypeTable:
    """The contract table, `type_mapping.toml` beside this module."""
    table = tomllib.loads(TABLE_PATH.read_text(encoding="utf-8"))
    return _by_alias(_rows(table, str(TABLE_PATH)))


def read_type_overrides(file: str) -> tuple[LogicalType, ...]:
    """`model.type_mapping`: rows in the built-in table's shape that replace (by name) or add
    logical types; each row's SQL type is checked against SQL Server's limits."""
    try:
        table = tomllib.loads(Path(file).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"model.type_mapping: {file} does not exist; fix the path") from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise InputError(
            f"model.type_mapping: {file} is not readable TOML ({exc}); fix the syntax there"
        ) from None
    rows = _rows(table, file)
    for row in rows:
        probe = replace(row, sql=row.sql.replace("{length}", str(row.default_length or 1)))
        _checked_sql(probe, {"precision": 18, "scale": 0}, f"{file} [{row.name}].sql")
    return tuple(rows)


def type_table(overrides: Sequence[LogicalType] = ()) -> TypeTable:
    """The built-in table with `overrides` replacing rows of the same name (and their aliases)."""
    if not overrides:
        return builtin_types()
    names = {row.name for row in overrides}
    kept = [row for row in dict.fromkeys(builtin_types().values()) if row.name not in names]
    return _by_alias([*kept, *overrides])


def _checked_sql(entry: LogicalType, values: Mapping[str, object], where: str) -> SqlType:
    try:
        text = entry.sql.format(**{"length": "max", **values})
    except (KeyError, IndexError, ValueError):
        raise InputError(
            f"{where}: {entry.sql!r} has an unknown placeholder; "
            "use {length}, {precision} or {scale}"
        ) from None
    sql_type = parse_sql_type(text, where)
    fitted = fit(sql_type)
    if fitted.problem:
        raise InputError(f"{where}: {entry.sql!r}: type {fitted.problem}; use a valid type")
    return sql_type


def _normalise(type_name: str, table: TypeTable) -> str:
    text = _normalise_alias(type_name)
    return text[2:] if text.startswith("rt") and text[2:] in table else text


def canonical_type(type_name: str, where: str, table: TypeTable | None = None) -> str:
    """`rtLongInteger` / `Long Integer` → `Identifier`; an unknown or blank type is an error."""
    table = table or builtin_types()
    entry = table.get(_normalise(type_name, table))
    if entry is None:
        known = ", ".join(sorted({t.name for t in table.values()}))
        raise InputError(f"{where}: data type {type_name!r} is unknown; expected one of {known}")
    return entry.name


def logical_sql_type(
    type_name: str,
    length: int | None,
    precision: int | None,
    scale: int | None,
    where: str,
    table: TypeTable | None = None,
) -> SqlType:
    """The SQL Server type of an attribute that has neither an on-disk nor an external type."""
    table = table or builtin_types()
    entry = table[_normalise(canonical_type(type_name, where, table), table)]
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


def declared_sql_type(
    attribute: Attribute, where: str, table: TypeTable | None = None
) -> SqlType | None:
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
        table,
    )

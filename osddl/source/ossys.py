"""Reading the OutSystems metadata tables: three SELECTs, optional columns probed, not assumed."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.exc import NoSuchTableError

from osddl.errors import SourceError
from osddl.source.engine import redact

# Canonical field → the column names OutSystems versions use for it, first match wins.
FIELDS: dict[str, dict[str, tuple[str, ...]]] = {
    "ossys_Espace": {
        "id": ("Id",),
        "name": ("Name",),
        "ss_key": ("SS_Key",),
        "is_system": ("Is_System",),
        "is_active": ("Is_Active",),
    },
    "ossys_Entity": {
        "id": ("Id",),
        "name": ("Name",),
        "physical_table_name": ("Physical_Table_Name",),
        "espace_id": ("Espace_Id",),
        "ss_key": ("SS_Key",),
        "primary_key_ss_key": ("PrimaryKey_SS_Key",),
        "is_active": ("Is_Active",),
        "is_system": ("Is_System",),
        "is_external": ("Is_External",),
        "data_kind": ("Data_Kind",),
        "description": ("Description",),
    },
    "ossys_Entity_Attr": {
        "id": ("Id",),
        "entity_id": ("Entity_Id",),
        "name": ("Name",),
        "ss_key": ("SS_Key",),
        "is_mandatory": ("Is_Mandatory",),
        "is_active": ("Is_Active",),
        "type": ("Type", "Data_Type"),
        "length": ("Length",),
        "precision": ("Precision",),
        "scale": ("Decimals", "Scale"),
        "default_value": ("Default_Value",),
        "is_identifier": ("Is_Identifier",),
        "is_auto_number": ("Is_AutoNumber",),
        "referenced_entity_id": ("Referenced_Entity_Id",),
        "delete_rule": ("Delete_Rule",),
        "physical_column_name": ("Physical_Column_Name", "Database_Name"),
        "original_name": ("Original_Name",),
        "external_column_type": ("External_Column_Type",),
        "description": ("Description",),
        "order_num": ("Order_Num",),
    },
}

REQUIRED: dict[str, tuple[str, ...]] = {
    "ossys_Espace": ("id", "name"),
    "ossys_Entity": ("id", "name", "physical_table_name", "espace_id"),
    "ossys_Entity_Attr": ("id", "entity_id", "name", "type"),
}

Rows = list[dict[str, Any]]


def _reflect(connection: Connection, name: str) -> sa.Table:
    """The metadata table, found case-insensitively (SQL Server ignores case, PostgreSQL not)."""
    try:
        return sa.Table(name, sa.MetaData(), autoload_with=connection)
    except NoSuchTableError:
        actual = {t.casefold(): t for t in sa.inspect(connection).get_table_names()}
        if name.casefold() not in actual:
            raise SourceError(
                f"{redact(connection.engine.url)}: table {name} not found; is this an "
                "OutSystems platform database (check source.url), and may this principal see "
                "it (SELECT, VIEW DEFINITION)?"
            ) from None
        return sa.Table(actual[name.casefold()], sa.MetaData(), autoload_with=connection)


def _columns(table: sa.Table, name: str, url: str) -> list[sa.Label[Any]]:
    present = {c.name.casefold(): c for c in table.columns}
    chosen = []
    for field, candidates in FIELDS[name].items():
        column = next((present[c.casefold()] for c in candidates if c.casefold() in present), None)
        if column is not None:
            chosen.append(column.label(field))
        elif field in REQUIRED[name]:
            raise SourceError(
                f"{url}: {name} has no column {' or '.join(candidates)}; this OutSystems "
                f"version is not supported yet (columns found: {', '.join(sorted(present))})"
            )
    return chosen


def read_ossys(connection: Connection) -> dict[str, Rows]:
    """All rows of the three metadata tables, ordered by Id, with canonical field names."""
    url = redact(connection.engine.url)
    out: dict[str, Rows] = {}
    for name in FIELDS:
        table = _reflect(connection, name)
        query = sa.select(*_columns(table, name, url)).order_by(sa.literal_column("id"))
        out[name] = [dict(row) for row in connection.execute(query).mappings()]
    return out

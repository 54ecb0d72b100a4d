"""SQL Server types ⇄ PostgreSQL types, as data.

The demo builder uses the forward table to create the same OutSystems database on PostgreSQL; the
catalog reader uses the reverse table so both engines yield the same SQL Server types in model.json.
"""

from __future__ import annotations

from osddl.tsql.types import MAX, TYPES, SqlType

# SQL Server type name → PostgreSQL type (the type table's `postgres` fact); "{n}" / "{p},{s}" are
# filled from the SQL Server type.
TO_POSTGRES: dict[str, str] = {t.name: t.postgres for t in TYPES if t.postgres is not None}

# PostgreSQL reflected type (SQLAlchemy visit name, precision) → SQL Server type.
FROM_POSTGRES: dict[tuple[str, int | None], SqlType] = {
    ("big_integer", None): SqlType("bigint"),
    ("BIGINT", None): SqlType("bigint"),
    ("INTEGER", None): SqlType("int"),
    ("integer", None): SqlType("int"),
    ("SMALLINT", None): SqlType("smallint"),
    ("small_integer", None): SqlType("smallint"),
    ("BOOLEAN", None): SqlType("bit"),
    ("boolean", None): SqlType("bit"),
    ("DOUBLE_PRECISION", None): SqlType("float"),
    ("REAL", None): SqlType("real"),
    ("DATE", None): SqlType("date"),
    ("TIME", None): SqlType("time", scale=7),
    ("TIME", 6): SqlType("time", scale=7),
    ("TIMESTAMP", 3): SqlType("datetime"),
    ("TIMESTAMP", 6): SqlType("datetime2", scale=7),
    ("TIMESTAMP", None): SqlType("datetime2", scale=7),
    ("UUID", None): SqlType("uniqueidentifier"),
    ("BYTEA", None): SqlType("varbinary", length=MAX),
    ("TEXT", None): SqlType("nvarchar", length=MAX),
}


def to_postgres(sql_type: SqlType) -> str:
    """The PostgreSQL column type that stores values of `sql_type`."""
    template = TO_POSTGRES[sql_type.name]
    if sql_type.name == "nvarchar" and sql_type.length in (None, MAX):
        return "TEXT"
    if "{p}" in template:
        precision, scale = sql_type.precision_scale()
        return template.format(p=precision, s=scale)
    return template.format(n=sql_type.length)

"""The staging tables: the emitted SSDT tables, read back from their DDL, created through SQLAlchemy
with their exact SQL Server types translated per engine.

PostgreSQL gets the type table's `postgres` fact (`varchar(n)`, `numeric(p,s)`, ...), so it refuses
what SQL Server would refuse. SQLite keeps the declared type text (it enforces no lengths; its
NUMERIC affinity would keep only 15 significant digits, so exact numerics are created as TEXT and
hold the literal's exact digits).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.types import UserDefinedType

from osddl.source.pgtypes import to_postgres
from osddl.tsql import parse_sql_type

if TYPE_CHECKING:
    from osddl.compare.ddl import TableShape

# SQLite: types whose values must stay text to keep every digit.
SQLITE_TEXT: Final = frozenset({"decimal", "numeric", "money", "smallmoney"})
# PostgreSQL has no one-byte integer: tinyint is stored in SMALLINT.
POSTGRES_OVERRIDES: Final = {"tinyint": "SMALLINT"}


class SqlServerType(UserDefinedType[Any]):
    """A column's SQL Server type text, compiled per engine."""

    cache_ok = True

    def __init__(self, text: str) -> None:
        self.text = text

    def get_col_spec(self, **_: Any) -> str:
        if parse_sql_type(self.text).name in SQLITE_TEXT:
            return "TEXT"
        return self.text.upper().replace("(MAX)", "")


@compiles(SqlServerType, "postgresql")
def _postgres(type_: SqlServerType, compiler: Any, **_: Any) -> str:
    sql_type = parse_sql_type(type_.text)
    return POSTGRES_OVERRIDES.get(sql_type.name) or to_postgres(sql_type)


def metadata_from_shapes(shapes: Mapping[str, TableShape], deferred: bool = False) -> sa.MetaData:
    """One SQLAlchemy table per emitted table (`dbo` is the engine's default schema); FKs use
    ALTER so cycles are allowed; `deferred`: FKs checked at commit (the dual proof's bulk load,
    which has no load order)."""
    metadata = sa.MetaData()
    for key, shape in sorted(shapes.items()):
        schema, _, name = key.partition(".")
        columns = [
            sa.Column(
                c,
                SqlServerType(col.type),
                nullable=col.nullable,
                primary_key=c in shape.primary_key,
            )
            for c, col in shape.columns.items()
        ]
        fks = [
            sa.ForeignKeyConstraint(
                list(fk.columns),
                [f"{fk.references.removeprefix('dbo.')}.{c}" for c in fk.referenced_columns],
                use_alter=True,
                name=f"fk_{name}_{'_'.join(fk.columns)}",
                deferrable=deferred or None,
                initially="DEFERRED" if deferred else None,
            )
            for fk in shape.foreign_keys
        ]
        uniques = [sa.UniqueConstraint(*cols) for cols in shape.unique]
        sa.Table(
            name, metadata, *columns, *fks, *uniques, schema=None if schema == "dbo" else schema
        )
    return metadata

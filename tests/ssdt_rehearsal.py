"""Schema rehearsal: the emitted tables, read back from their DDL, created through SQLAlchemy on a
real engine; and seeds applied through the same seed plans (MERGE semantics)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.types import UserDefinedType

from osddl.compare.ddl import TableShape
from osddl.model.sqltype import parse_sql_type
from osddl.source.pgtypes import to_postgres
from osddl.ssdt.seeds import SeedPlan


class SqlServerType(UserDefinedType[Any]):
    cache_ok = True

    def __init__(self, text: str) -> None:
        self.text = text

    def get_col_spec(self, **_: Any) -> str:
        return self.text.upper().replace("(MAX)", "")


@compiles(SqlServerType, "postgresql")
def _postgres(type_: SqlServerType, compiler: Any, **_: Any) -> str:
    sql_type = parse_sql_type(type_.text)
    if sql_type.name == "tinyint":
        return "SMALLINT"
    return to_postgres(sql_type)


def metadata_from_shapes(shapes: Mapping[str, TableShape]) -> sa.MetaData:
    """One SQLAlchemy table per emitted table; FKs use ALTER so cycles are allowed."""
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
            )
            for fk in shape.foreign_keys
        ]
        uniques = [sa.UniqueConstraint(*cols) for cols in shape.unique]
        sa.Table(
            name, metadata, *columns, *fks, *uniques, schema=None if schema == "dbo" else schema
        )
    return metadata


def apply_seed(connection: sa.Connection, table: sa.Table, seed: SeedPlan) -> int:
    """MERGE semantics from the plan: insert missing keys, update rows that differ (NULL-safe),
    delete unknown rows when authoritative. Returns the number of rows changed."""
    keys = [k.casefold() for k in seed.keys]
    changed = 0
    wanted = []
    for values in seed.values:
        row = {k.casefold(): v for k, v in values.items()}
        wanted.append(tuple(row[k] for k in keys))
        where = sa.and_(*(table.c[k] == row[k] for k in keys))
        current = connection.execute(sa.select(table).where(where)).mappings().first()
        if current is None:
            connection.execute(table.insert().values(**row))
            changed += 1
        elif any(current[c] != row[c] for c in row):
            connection.execute(table.update().where(where).values(**row))
            changed += 1
    if seed.mode == "authoritative":
        present = connection.execute(sa.select(*(table.c[k] for k in keys))).all()
        for key in (tuple(r) for r in present if tuple(r) not in wanted):
            connection.execute(
                table.delete().where(
                    sa.and_(*(table.c[k] == v for k, v in zip(keys, key, strict=True)))
                )
            )
            changed += 1
    return changed

"""Schema rehearsal: the emitted tables through SQLAlchemy (the product's `osddl.load.schema`),
and seeds applied through the same seed plans (MERGE semantics)."""

from __future__ import annotations

import sqlalchemy as sa

from osddl.load.schema import SqlServerType, metadata_from_shapes
from osddl.ssdt.seeds import SeedPlan

__all__ = ["SqlServerType", "apply_seed", "metadata_from_shapes"]


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

"""The aggregate queries of profiling, as SQLAlchemy Core (quoting is SQLAlchemy's job).

One scan for every null count of a table; one grouped query per unique candidate; one anti-join per
reference. Large tables are probed on a deterministic sample: the first N rows in key order.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.sql import FromClause, Select, TableClause

from osddl.profile.plan import ProfiledTable

SAMPLE_LIMIT = 10

if TYPE_CHECKING:
    from typing import TypeAlias

    Query: TypeAlias = Select[*tuple[Any, ...]]


def table_clause(
    ref: ProfiledTable, columns: Sequence[str], engine_schema: str | None
) -> TableClause:
    wanted = dict.fromkeys([*ref.primary_key, *columns])
    return sa.table(ref.table, *(sa.column(c) for c in wanted), schema=engine_schema)


def sampled(table: TableClause, key: Sequence[str], size: int | None) -> FromClause:
    """The table itself, or its first `size` rows in key order (deterministic, unlike random)."""
    if size is None:
        return table
    query = sa.select(table).order_by(*(table.c[k] for k in key)).limit(size)
    return query.subquery("sampled")


def null_scan(table: TableClause, columns: Sequence[str]) -> Query:
    """COUNT(*) and COUNT(col) for every column, in one pass over the table."""
    return sa.select(sa.func.count(), *(sa.func.count(table.c[c]) for c in columns))


def distinct_scan(table: TableClause, columns: Sequence[str]) -> Query:
    return sa.select(*(sa.func.count(sa.distinct(table.c[c])) for c in columns))


def _duplicate_groups(source: FromClause, columns: Sequence[str]) -> Query:
    keys = [source.c[c] for c in columns]
    return (
        sa.select(*keys, sa.func.count().label("n"))
        .where(*(k.is_not(None) for k in keys))
        .group_by(*keys)
        .having(sa.func.count() > 1)
    )


def duplicate_totals(source: FromClause, columns: Sequence[str]) -> Query:
    """(groups, rows in those groups); rows with a NULL in the key never count as duplicates."""
    groups = _duplicate_groups(source, columns).subquery("dup")
    return sa.select(sa.func.count(), sa.func.coalesce(sa.func.sum(groups.c.n), 0))


def duplicate_samples(source: FromClause, columns: Sequence[str]) -> Query:
    query = _duplicate_groups(source, columns)
    return query.order_by(*(source.c[c] for c in columns)).limit(SAMPLE_LIMIT)


def rows_with_nulls(source: FromClause, columns: Sequence[str]) -> Query:
    return sa.select(sa.func.count()).where(sa.or_(*(source.c[c].is_(None) for c in columns)))


def _orphans(child: FromClause, column: str, parent: TableClause, parent_key: str) -> Any:
    joined = child.outerjoin(parent, parent.c[parent_key] == child.c[column])
    condition = sa.and_(child.c[column].is_not(None), parent.c[parent_key].is_(None))
    return joined, condition


def orphan_totals(child: FromClause, column: str, parent: TableClause, key: str) -> Query:
    """(orphan rows, distinct orphan values): non-NULL references with no parent row."""
    joined, condition = _orphans(child, column, parent, key)
    values = sa.func.count(sa.distinct(child.c[column]))
    return sa.select(sa.func.count(), values).select_from(joined).where(condition)


def orphan_samples(
    child: FromClause, column: str, child_key: Sequence[str], parent: TableClause, key: str
) -> Query:
    joined, condition = _orphans(child, column, parent, key)
    ordered = [*(child.c[k] for k in child_key), child.c[column]]
    return (
        sa.select(*ordered)
        .select_from(joined)
        .where(condition)
        .order_by(*ordered)
        .limit(SAMPLE_LIMIT)
    )

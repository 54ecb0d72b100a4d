"""The aggregate queries of profiling, as SQLAlchemy Core (quoting is SQLAlchemy's job).

One scan for every null count of a table; one grouped query per unique candidate; one anti-join per
reference. Large tables are probed on a deterministic sample: the first N rows in key order.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql import FromClause, Select, TableClause
from sqlalchemy.sql.functions import FunctionElement

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


def null_scan(table: TableClause, columns: Sequence[str], extra: Sequence[Any] = ()) -> Query:
    """COUNT(*) and COUNT(col) for every column, then the `extra` aggregates (the fit measures),
    in one pass over the table."""
    return sa.select(sa.func.count(), *(sa.func.count(table.c[c]) for c in columns), *extra)


# ---- value fit: per-engine spellings of "length in characters", "length in bytes", "rounded" ----


class CharLength(FunctionElement[int]):
    """Characters, trailing spaces included (SQL Server's LEN drops them, hence the `+ '.'`)."""

    type = sa.Integer()
    inherit_cache = True


class ByteLength(FunctionElement[int]):
    type = sa.Integer()
    inherit_cache = True


class Rounded(FunctionElement[Any]):
    """ROUND(value, scale); PostgreSQL rounds to a scale only a NUMERIC."""

    inherit_cache = True


# Text length in characters and binary length in bytes, per dialect (None: the default).
LENGTHS: dict[type[FunctionElement[Any]], dict[str | None, str]] = {
    CharLength: {
        None: "length({})",
        "postgresql": "char_length({})",
        "mssql": "(LEN({} + N'.') - 1)",
    },
    ByteLength: {None: "length({})", "postgresql": "octet_length({})", "mssql": "DATALENGTH({})"},
}


def _register(element: type[FunctionElement[Any]], dialect: str | None, template: str) -> None:
    def render(node: FunctionElement[Any], compiler: Any, **kw: Any) -> str:
        return template.format(compiler.process(node.clauses, **kw))

    compiles(element, *([dialect] if dialect else []))(render)


for _element, _templates in LENGTHS.items():
    for _dialect, _template in _templates.items():
        _register(_element, _dialect, _template)


@compiles(Rounded)
def _rounded(element: Rounded, compiler: Any, **kw: Any) -> str:
    value, scale = (compiler.process(c, **kw) for c in element.clauses)
    return f"ROUND({value}, {scale})"


@compiles(Rounded, "postgresql")
def _rounded_pg(element: Rounded, compiler: Any, **kw: Any) -> str:
    value, scale = (compiler.process(c, **kw) for c in element.clauses)
    return f"ROUND(CAST({value} AS NUMERIC), {scale})"


def _seek(table: TableClause, column: str, aggregate: Any) -> Any:
    """`(SELECT MIN(c) FROM t AS seek)`: an index seek inside the scan's statement (uncorrelated,
    evaluated once), instead of one more aggregate evaluated on every row."""
    seek = table.alias("seek")
    return sa.select(aggregate(seek.c[column])).correlate(None).scalar_subquery()


def fit_measures(
    table: TableClause, column: str, measures: Sequence[str], scale: int, seekable: bool = False
) -> list[Any]:
    """The aggregates of one column's fit measures (plan.FIT_MEASURES), in measure order; `range`
    is two of them (MIN, MAX), `min` one. For a `seekable` column (it leads an index) MIN and MAX
    are index seeks, with the same values."""
    value = table.c[column]

    def extreme(aggregate: Any) -> Any:
        return _seek(table, column, aggregate) if seekable else aggregate(value)

    out: list[Any] = []
    for measure in measures:
        if measure == "chars":
            out.append(sa.func.max(CharLength(value)))
        elif measure == "bytes":
            out.append(sa.func.max(ByteLength(value)))
        elif measure == "range":
            out += [extreme(sa.func.min), extreme(sa.func.max)]
        elif measure == "min":
            out.append(extreme(sa.func.min))
        elif measure == "scale":
            rounded = Rounded(value, sa.literal_column(str(int(scale))))
            out.append(sa.func.count(sa.case((value != rounded, 1))))
    return out


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


def _aliased(child: FromClause, parent: TableClause) -> tuple[FromClause, FromClause]:
    """Both sides under their own alias, so a table's reference to itself is unambiguous on
    every engine (`FROM t AS child LEFT OUTER JOIN t AS parent`)."""
    if isinstance(child, TableClause):
        return child.alias("child"), parent.alias("parent")
    return child, parent.alias("parent")


def _orphans(
    child: FromClause, column: str, parent: TableClause, parent_key: str
) -> tuple[Any, Any, FromClause]:
    child, target = _aliased(child, parent)
    joined = child.outerjoin(target, target.c[parent_key] == child.c[column])
    condition = sa.and_(child.c[column].is_not(None), target.c[parent_key].is_(None))
    return joined, condition, child


def orphan_totals(child: FromClause, column: str, parent: TableClause, key: str) -> Query:
    """(orphan rows, distinct orphan values): non-NULL references with no parent row."""
    joined, condition, child = _orphans(child, column, parent, key)
    values = sa.func.count(sa.distinct(child.c[column]))
    return sa.select(sa.func.count(), values).select_from(joined).where(condition)


def orphan_samples(
    child: FromClause, column: str, child_key: Sequence[str], parent: TableClause, key: str
) -> Query:
    joined, condition, child = _orphans(child, column, parent, key)
    ordered = [*(child.c[k] for k in child_key), child.c[column]]
    return (
        sa.select(*ordered)
        .select_from(joined)
        .where(condition)
        .order_by(*ordered)
        .limit(SAMPLE_LIMIT)
    )

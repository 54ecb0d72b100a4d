"""The dual proof (`load.dual`, spec 06): the QA data loaded untransformed into a second staging
database and the UPDATE remap of `02_apply_user_remap.sql` applied there, so that it can be proven
identical to the first staging database (which holds the emitted, pre-transformed INSERTs).

- The second database lives next to the first: SQLite `<stem>-dual.sqlite` (other schemas in
  `<stem>-dual_<schema>.sqlite`), PostgreSQL the database `<name>_dual` on the same server
  (created when missing; its model tables are dropped and created like the first's).
- The snapshots' rows go in as they are, in one transaction with every FK deferred to the commit:
  no load order is needed and every constraint is still checked.
- The mapping pairs and the updated columns are read back from the script by
  `osddl.uat_users.remap_check` (not taken from the map), written to a mapping table and applied as
  UPDATEs joined to it with the script's semantics: only non-NULL values that are a mapping source
  change; chunks of at most `chunk_rows` rows, each its own transaction, until a chunk changes
  nothing; when some target is also a source, each column in one UPDATE, as the script does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import pyarrow.parquet as pq
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from osddl.errors import InputError
from osddl.load.documents import IntegrityFailure, RemappedColumn
from osddl.load.run import refusal
from osddl.load.schema import SqlServerType
from osddl.load.target import BINDERS, Staging, StagingTable
from osddl.source.engine import redact
from osddl.tsql import parse_sql_type
from osddl.uat_users.ids import MAPPING_SQL_TYPES, IdKind, UserId, sort_key
from osddl.uat_users.remap_sql import MAX_VALUES_ROWS
from osddl.uat_users.transform import TransformationMap

SUFFIX: Final = "-dual"  # SQLite file stem
PG_SUFFIX: Final = "_dual"  # PostgreSQL database name
MAP_TABLE: Final = "osddl_dual_user_map"
CHUNK_ROWS: Final = 50_000  # as the script's default


def dual_url(url: str) -> str:
    """The second staging database's URL, next to `url`'s."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend not in ("sqlite", "postgresql") or not parsed.database:
        raise InputError(
            f"load.dual with load.target_url {redact(url)}: the dual proof needs a SQLite file or "
            "a PostgreSQL database as the staging database; set load.dual = false or change "
            "load.target_url"
        )
    if backend == "postgresql":
        return parsed.set(database=parsed.database + PG_SUFFIX).render_as_string(False)
    database = Path(parsed.database)
    second = database.with_name(f"{database.stem}{SUFFIX}{database.suffix}")
    return parsed.set(database=second.as_posix()).render_as_string(False)


def prepare_database(url: str, second: str) -> None:
    """PostgreSQL: create the second database on the first's server when it is missing."""
    if make_url(url).get_backend_name() != "postgresql":
        return
    name = make_url(second).database or ""
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            query = sa.text("SELECT 1 FROM pg_database WHERE datname = :name")
            if connection.scalar(query, {"name": name}) is None:
                quoted = engine.dialect.identifier_preparer.quote(name)
                connection.execute(sa.text(f"CREATE DATABASE {quoted}"))
    finally:
        engine.dispose()


def load_untransformed(
    staging: Staging, tables: Sequence[tuple[StagingTable, Path]]
) -> list[IntegrityFailure]:
    """Every snapshot's rows as they are, in one transaction (FKs checked at its commit)."""
    bind = BINDERS[staging.dialect]
    current = ""
    try:
        with staging.engine.begin() as connection:
            for table, snapshot in tables:
                current = table.table_id
                present = set(pq.read_schema(snapshot).names)
                columns = [(e, p) for e, p in table.physical.items() if p in present]
                keys = [table.column(e).key for e, _ in columns]
                types = [table.types[e] for e, _ in columns]
                names = [p for _, p in columns]
                for batch in pq.ParquetFile(snapshot).iter_batches(columns=names):
                    values = batch.to_pydict()
                    rows = [
                        {k: bind(v, t) for k, v, t in zip(keys, row, types, strict=True)}
                        for row in zip(*(values[p] for p in names), strict=True)
                    ]
                    if rows:
                        connection.execute(table.table.insert(), rows)
            current = ""  # the commit: a deferred foreign key
    except sa.exc.DBAPIError as error:
        where = f"{current}: " if current else "at the commit (a foreign key): "
        detail = f"the untransformed QA rows are refused {where}{refusal(error)}"
        return [IntegrityFailure("refused", current, "", detail)]
    return []


@dataclass(frozen=True)
class Remap:
    """What `02_apply_user_remap.sql` does, as read back from it."""

    kind: IdKind
    pairs: dict[UserId, UserId]  # source → target
    columns: frozenset[str]  # `schema.table.column` (emitted names), folded

    @property
    def chains(self) -> bool:
        return not set(self.pairs.values()).isdisjoint(self.pairs)


def read_remap(text: str, tmap: TransformationMap) -> Remap:
    """The script's pairs and updated columns (its own checks are verify:uat_users')."""
    from osddl.uat_users.remap_check import check_script  # sqlglot: loaded by this check only

    found = check_script(text, (), tmap, tmap.targets)
    return Remap(tmap.kind, found.pairs, found.columns)


def _match(value: Any, source: Any, kind: IdKind) -> Any:
    """`value = source` as SQL Server compares ids: GUIDs whatever their case."""
    if kind == "guid":
        return sa.func.upper(sa.cast(value, sa.Text)) == sa.func.upper(sa.cast(source, sa.Text))
    return value == source


def _locate(staging: Staging, label: str) -> tuple[StagingTable, str] | None:
    for (schema, name), table in staging.tables.items():
        prefix = f"{schema}.{name}."
        if label.startswith(prefix) and label[len(prefix) :] in table.types:
            return table, label[len(prefix) :]
    return None


def apply_remap(
    staging: Staging, remap: Remap, chunk_rows: int | None = CHUNK_ROWS
) -> tuple[list[RemappedColumn], list[IntegrityFailure]]:
    """The script's UPDATEs on the second database; rows changed per column (`chunk_rows` None:
    one UPDATE per column, as always when some target is also a source)."""
    text = MAPPING_SQL_TYPES[remap.kind]
    sql_type, bind = parse_sql_type(text), BINDERS[staging.dialect]
    mapping = sa.Table(
        MAP_TABLE,
        sa.MetaData(),
        sa.Column("source", SqlServerType(text), primary_key=True),
        sa.Column("target", SqlServerType(text), nullable=False),
    )
    pairs = sorted(remap.pairs.items(), key=lambda p: sort_key(p[0]))
    with staging.engine.begin() as connection:
        mapping.drop(connection, checkfirst=True)
        mapping.create(connection)
        for start in range(0, len(pairs), MAX_VALUES_ROWS):
            rows = [
                {"source": bind(s, sql_type), "target": bind(t, sql_type)}
                for s, t in pairs[start : start + MAX_VALUES_ROWS]
            ]
            connection.execute(mapping.insert(), rows)
    done, failures = [], []
    for label in sorted(remap.columns):
        found = _locate(staging, label)
        if found is None:
            detail = f"the UPDATE script updates {label}, which is no staged column"
            failures.append(IntegrityFailure("remap", "", label, detail))
            continue
        table, column = found
        chunk = None if remap.chains else chunk_rows
        try:
            done.append(
                RemappedColumn(label, _update(staging, table, column, mapping, remap, chunk))
            )
        except sa.exc.DBAPIError as error:
            detail = f"the UPDATE of {label} is refused: {refusal(error)}"
            failures.append(IntegrityFailure("refused", table.table_id, column, detail))
    with staging.engine.begin() as connection:
        mapping.drop(connection)
    return done, failures


def _update(
    staging: Staging,
    table: StagingTable,
    column: str,
    mapping: sa.Table,
    remap: Remap,
    chunk_rows: int | None,
) -> int:
    """One column's UPDATE joined to the mapping table: in chunks until none is left, or in one
    statement (`chunk_rows` None)."""
    target = table.table
    value = table.column(column)
    found = sa.select(mapping.c.target).where(_match(value, mapping.c.source, remap.kind))
    changes = {value.key: found.scalar_subquery()}
    keys = list(target.primary_key.columns)

    def hit(column_: Any) -> Any:
        return sa.and_(
            column_.is_not(None),
            sa.exists().where(_match(column_, mapping.c.source, remap.kind)),
        )

    if chunk_rows is None or not keys:
        with staging.engine.begin() as connection:
            return int(
                connection.execute(sa.update(target).where(hit(value)).values(changes)).rowcount
            )
    inner = target.alias("osddl_chunk")
    chunk = sa.select(*(inner.c[k.key] for k in keys))
    chunk = chunk.where(hit(inner.c[value.key])).limit(chunk_rows)
    selected = keys[0].in_(chunk) if len(keys) == 1 else sa.tuple_(*keys).in_(chunk)
    total = 0
    while True:
        with staging.engine.begin() as connection:
            rows = int(
                connection.execute(sa.update(target).where(selected).values(changes)).rowcount
            )
        total += rows
        if rows == 0:
            return total

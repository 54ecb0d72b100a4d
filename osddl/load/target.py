"""The staging database: created fresh from the emitted SSDT tables, every constraint on.

SQLite (the default, a disposable file; other schemas in sibling files `<stem>_<schema>.sqlite`,
FKs enforced with `PRAGMA foreign_keys = ON`) or PostgreSQL (the model's tables are dropped and
created again in the database the URL names). Tables are found by the names the scripts use
(`[schema].[Emitted]`, case-insensitive).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from itertools import repeat
from operator import is_
from pathlib import Path
from typing import Any, Final

import pyarrow as pa
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from osddl.errors import InputError
from osddl.export.fetch import read_sqlite, sqlite_files
from osddl.load.schema import metadata_from_shapes
from osddl.load.script import TableRef
from osddl.model.contract import Entity, Module
from osddl.source.engine import redact
from osddl.tsql import SqlType, parse_sql_type
from osddl.tsql.types import KINDS

ENGINES: Final = ("sqlite", "postgresql", "mssql")  # mssql: the scripts run natively


@dataclass(frozen=True)
class StagingTable:
    """One staging table with the model's names and the emitted types."""

    table_id: str  # `schema.PHYSICAL`: the key of snapshots and fingerprints
    table: sa.Table
    module: Module
    entity: Entity
    types: dict[str, SqlType]  # emitted column (case-folded) → emitted type
    physical: dict[str, str]  # emitted column (case-folded) → physical column

    def column(self, emitted: str) -> sa.Column[Any]:
        return self.table.c[emitted.casefold()]


@dataclass
class Staging:
    engine: sa.Engine
    tables: dict[tuple[str, str], StagingTable]  # (schema, emitted), case-folded

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def get(self, ref: TableRef) -> StagingTable | None:
        return self.tables.get((ref.schema.casefold(), ref.name.casefold()))

    def types(self, ref: TableRef) -> Mapping[str, SqlType] | None:
        found = self.get(ref)
        return found.types if found is not None else None


def staging_engine(url: str, schemas: list[str], fresh: bool) -> sa.Engine:
    """An engine on the staging database; `fresh`: a SQLite file (and its siblings) starts
    empty."""
    parsed = make_url(url)
    if parsed.get_backend_name() not in ENGINES:
        raise InputError(
            f"load.target_url {redact(url)}: the staging database must be one of "
            f"{', '.join(ENGINES)}; fix load.target_url"
        )
    if parsed.get_backend_name() != "sqlite":
        return sa.create_engine(url)
    database = Path(parsed.database or "")
    if not parsed.database or parsed.database == ":memory:":
        raise InputError(f"load.target_url {url}: a SQLite staging database must be a file")
    siblings = {s: database.with_name(f"{database.stem}_{s}.sqlite") for s in schemas}
    if fresh:
        database.parent.mkdir(parents=True, exist_ok=True)
        for file in (database, *siblings.values()):
            file.unlink(missing_ok=True)
    elif not database.is_file():
        raise InputError(f"no staging database at {database}: run doit load")
    engine = sa.create_engine(f"sqlite:///{database}")

    @sa.event.listens_for(engine, "connect")
    def _connect(connection: Any, _: object) -> None:
        cursor = connection.cursor()
        for schema, sibling in siblings.items():
            cursor.execute(f'ATTACH DATABASE ? AS "{schema}"', (str(sibling),))
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA synchronous = OFF")  # a disposable database
        cursor.execute("PRAGMA journal_mode = MEMORY")  # rollbacks still work (the diagnosis)
        cursor.execute("PRAGMA cache_size = -262144")  # 256 MiB: big tables' indexes stay cached
        if cursor.execute("PRAGMA foreign_keys").fetchone() != (1,):
            raise InputError("SQLite does not enforce foreign keys on this connection")
        cursor.close()

    return engine


def open_staging(
    url: str,
    out: Path,
    members: Sequence[tuple[Module, Entity]],
    fresh: bool,
    deferred: bool = False,
) -> Staging:
    """The emitted tables (`out/ssdt/Modules`) in the staging database; `fresh`: created in an
    empty one (PostgreSQL: the model's tables dropped first; SQL Server: the native load deploys
    them), else the loaded one reopened; `deferred`: FKs checked at commit."""
    from osddl.compare.ddl import read_ddl  # sqlglot's DDL reader: the load stage alone needs it

    metadata = metadata_from_shapes(read_ddl(out / "ssdt/Modules"), deferred)
    schemas = sorted({t.schema for t in metadata.tables.values() if t.schema})
    engine = staging_engine(url, schemas, fresh)
    if fresh and engine.dialect.name != "mssql":
        with engine.begin() as connection:
            if engine.dialect.name == "postgresql":
                for schema in schemas:
                    connection.execute(sa.schema.CreateSchema(schema, if_not_exists=True))
                metadata.drop_all(connection)
            metadata.create_all(connection)
    return Staging(engine, staging_tables(metadata, members))


def staging_tables(
    metadata: sa.MetaData, members: Sequence[tuple[Module, Entity]]
) -> dict[tuple[str, str], StagingTable]:
    """The model's emitted entities among the created tables, by (schema, emitted name)."""
    tables = {}
    for module, entity in members:
        key = (entity.schema.casefold(), entity.emitted_name.casefold())
        name = key[1] if key[0] == "dbo" else f"{key[0]}.{key[1]}"
        table = metadata.tables.get(name)
        if table is None:
            raise InputError(
                f"{entity.schema}.{entity.emitted_name}: no table in out/ssdt/Modules; "
                "rerun doit ssdt"
            )
        tables[key] = StagingTable(
            table_id=f"{entity.schema}.{entity.physical_name}",
            table=table,
            module=module,
            entity=entity,
            types={
                a.emitted_name.casefold(): parse_sql_type(a.sql_type) for a in entity.attributes
            },
            physical={a.emitted_name.casefold(): a.physical_name for a in entity.attributes},
        )
    return tables


# ---- values as each engine's driver binds them ---------------------------------------------------


def _sqlite(value: object, sql_type: SqlType) -> object:
    """No Decimal or date binding in sqlite3; exact numerics are TEXT columns."""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _postgres(value: object, sql_type: SqlType) -> object:
    """bit is BOOLEAN; the rest binds as read (temporal text is parsed by the server)."""
    if sql_type.name == "bit" and value is not None:
        return bool(value)
    return value


def _sqlite_column(values: Sequence[object], sql_type: SqlType) -> Sequence[object]:
    """A column as sqlite3 binds it: exact numerics and dates converted, the rest as read."""
    kind = KINDS[sql_type.name]
    if kind == "exact" and not any(map(is_, values, repeat(None))):  # (`in` would compare)
        return list(map(format, values, repeat("f")))  # the reader gives Decimals: C-level maps
    return [_sqlite(v, sql_type) for v in values] if kind in ("exact", "date") else values


def _postgres_column(values: Sequence[object], sql_type: SqlType) -> Sequence[object]:
    return [_postgres(v, sql_type) for v in values] if sql_type.name == "bit" else values


BINDERS: Final[dict[str, Callable[[object, SqlType], object]]] = {
    "sqlite": _sqlite,
    "postgresql": _postgres,
}
# engine → a whole column as its driver binds it (the binder above, only where a type needs it)
COLUMN_BINDERS: Final[dict[str, Callable[[Sequence[object], SqlType], Sequence[object]]]] = {
    "sqlite": _sqlite_column,
    "postgresql": _postgres_column,
}


# ---- reading a staged table back as Arrow (SQLite, ADBC) -----------------------------------------

# kind → the one SQLite storage class the load leaves in its staged columns (what sqlite3 binds
# the values read from the scripts as, under the columns' declared affinities)
_STORAGE: Final = {
    "integer": "integer",
    "bit": "integer",
    "exact": "text",  # SQLITE_TEXT: the literal's digits
    "approximate": "real",
    "binary": "blob",
    **{k: "text" for k in ("ansi", "unicode", "guid", "date", "time")},
    **{k: "text" for k in ("datetime", "datetime2", "datetimeoffset")},
}
# Evaluated only for another storage class (SQLite evaluates CASE lazily): "integer overflow".
_REFUSE = "abs(-9223372036854775807 - 1)"


def _quoted(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def staged_query(table: StagingTable, columns: Sequence[tuple[str, str]]) -> str:
    """SELECT of the columns (as their physical names), each guarded to the storage class the load
    leaves there: any other value stops the query, so ADBC never converts one silently (it fixes a
    column's Arrow type from the first batch)."""
    guarded = []
    for emitted, physical in columns:
        name = _quoted(table.column(emitted).name)
        storage = _STORAGE[KINDS[table.types[emitted.casefold()].name]]
        guarded.append(
            f"CASE WHEN typeof({name}) IN ('{storage}', 'null') THEN {name} "
            f"ELSE {_REFUSE} END AS {_quoted(physical)}"
        )
    where = _quoted(table.table.schema or "main")
    return f"SELECT {', '.join(guarded)} FROM {where}.{_quoted(table.table.name)}"


def staged_arrow(
    staging: Staging, table: StagingTable, columns: Sequence[tuple[str, str]], size: int = 65_536
) -> Iterator[dict[str, pa.Array]] | None:
    """The staged table's columns as Arrow batches keyed by physical name, read by
    adbc-driver-sqlite; None when it cannot (not SQLite, the driver not installed). Raises
    FastPathRefused (while iterating) for a value of an unexpected storage class or a column
    all NULL in the first batch (ADBC types it int64) that later holds another type."""
    if staging.dialect != "sqlite":
        return None
    try:
        import adbc_driver_sqlite.dbapi as adbc
    except ImportError:
        return None
    batches = read_sqlite(adbc, sqlite_files(staging.engine), staged_query(table, columns), size)
    return ({name: b.column(name) for name in b.schema.names} for b in batches)

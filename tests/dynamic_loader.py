"""An independent load harness for the emitted DynamicData: reads the scripts, never the renderer.

`load_dynamic(out, database)` does what `sqlcmd -b -i load.sql` would do after the SSDT deployment,
on SQLite: it creates the target tables from `out/ssdt/Modules` (read back with
`osddl.compare.ddl.read_ddl`, FKs enforced with `PRAGMA foreign_keys = ON`), follows the `:r`
includes of `DynamicData/load.sql` in order, splits every file into batches on lines that are
exactly `GO`, parses each batch with sqlglot's T-SQL reader and executes the INSERTs and UPDATEs
with values read back by `osddl.tsql.parse_literal` (the column types come from the snapshot's
metadata). An FK or NOT NULL violation raises `sqlalchemy.exc.IntegrityError`; anything in the
scripts the harness does not understand raises `LoadError`.

Deliberate differences from SQL Server, none of which hides a bug in the scripts:
- SQLite's NUMERIC affinity keeps 15 significant digits, so exact numeric columns (decimal,
  numeric, money) are created as TEXT and hold the literal's exact digits;
- `SET NOCOUNT`/`SET XACT_ABORT`/`SET IDENTITY_INSERT` change nothing in SQLite (explicit ids are
  always accepted) and are only checked for their shape;
- the "table must be empty" guard (sqlglot cannot parse `THROW`) is matched by a pattern and
  checked: it raises `LoadError` when the table already holds rows.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import sqlalchemy as sa
import sqlglot
from sqlglot import exp

from osddl.compare.ddl import read_ddl
from osddl.export.snapshot import sql_types
from osddl.layout import path as layout_path
from osddl.model.contract import Entity
from osddl.model.sqltype import SqlType, parse_sql_type
from osddl.model.store import read_model
from osddl.selection import find_table
from osddl.tsql import normalise, parse_literal, quiet_sqlglot, split_batches
from tests.ssdt_rehearsal import SqlServerType, metadata_from_shapes

EXACT_TYPES = frozenset({"decimal", "numeric", "money", "smallmoney"})
GUARD = re.compile(
    r"IF EXISTS \(SELECT 1 FROM (?P<table>.+?)\)\s+THROW 50001, N'(?:[^']|'')*', 1;", re.S
)
INCLUDE = re.compile(r":r (?P<path>\S.*)")
HARMLESS_SET = frozenset({"NOCOUNT", "XACT_ABORT"})
# sqlglot reads `SET IDENTITY_INSERT t ON` as a command and `... OFF` as an alias: matched here.
IDENTITY_INSERT = re.compile(r"SET IDENTITY_INSERT (?P<table>.+) (?:ON|OFF);")

Row = dict[str, Any]


class LoadError(AssertionError):
    """The scripts hold something a sqlcmd load would not do as the harness expects."""


@dataclass
class LoadResult:
    """What was loaded: rows per table id (`schema.PHYSICAL`, physical column names, values
    normalised by `osddl.tsql.normalise`, in key order), rows per INSERT statement, UPDATEs."""

    rows: dict[str, list[Row]] = field(default_factory=dict)
    batches: dict[str, list[int]] = field(default_factory=dict)
    updates: int = 0
    files: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Target:
    """One target table: its SQLAlchemy table and the model's names and snapshot types."""

    table_id: str
    table: sa.Table
    physical: dict[str, str]  # emitted column (case-folded) → physical column
    types: dict[str, SqlType]  # physical column → SQL type (snapshot metadata)
    keys: list[str]  # physical key columns

    def column(self, emitted: str) -> tuple[sa.Column[Any], str, SqlType]:
        physical = self.physical.get(emitted.casefold())
        if physical is None or physical not in self.types:
            raise LoadError(f"{self.table_id}: no exported column {emitted!r}")
        return self.table.c[emitted.casefold()], physical, self.types[physical]


# ---- reading the scripts ------------------------------------------------------------------------


def batches(text: str) -> Iterator[str]:
    """GO-separated batches, split by `osddl.tsql.read.split_batches` (the one GO rule)."""
    return (batch.text for batch in split_batches(text.splitlines()))


def includes(load_script: Path) -> list[Path]:
    """The `:r` files of load.sql in order (relative to its folder); `:on error exit` must come
    before the first one."""
    dynamic_dir = load_script.parent
    found: list[Path] = []
    exit_on_error = False
    for line in _read(load_script).splitlines():
        text = line.strip()
        if not text or text.startswith("--"):
            continue
        if text.lower() == ":on error exit":
            exit_on_error = True
            continue
        match = INCLUDE.fullmatch(text)
        if match is None:
            raise LoadError(f"load.sql: unexpected line {line!r}")
        if not exit_on_error:
            raise LoadError("load.sql: `:on error exit` must precede the includes")
        path = dynamic_dir / match["path"].replace("\\", "/")
        if not path.is_file():
            raise LoadError(f"load.sql: included file {match['path']} does not exist")
        found.append(path)
    return found


def _read(path: Path) -> str:
    """The file's exact text (no newline translation: a stray CR must stay visible)."""
    with path.open(encoding="utf-8", newline="") as handle:
        return handle.read()


# ---- the target database ------------------------------------------------------------------------


def _entities(out: Path) -> dict[tuple[str, str], Entity]:
    """Model entities by (schema, emitted name), case-folded."""
    model = read_model(out / layout_path("model"))
    return {
        (e.schema.casefold(), e.emitted_name.casefold()): e
        for m in model.modules
        for e in m.entities
    }


def target_engine(database: Path, schemas: list[str]) -> sa.Engine:
    """SQLite with FKs enforced on every connection and a sibling file per non-dbo schema."""
    engine = sa.create_engine(f"sqlite:///{database}")

    @sa.event.listens_for(engine, "connect")
    def _connect(connection: Any, _: object) -> None:
        cursor = connection.cursor()
        for schema in schemas:
            sibling = database.with_name(f"{database.stem}_{schema}.sqlite")
            cursor.execute(f'ATTACH DATABASE ? AS "{schema}"', (str(sibling),))
        cursor.execute("PRAGMA foreign_keys = ON")
        if cursor.execute("PRAGMA foreign_keys").fetchone() != (1,):
            raise LoadError("SQLite does not enforce foreign keys on this connection")
        cursor.close()

    return engine


def create_target(out: Path, database: Path) -> tuple[sa.Engine, sa.MetaData]:
    """The emitted tables on SQLite (exact numerics as TEXT, see the module docstring)."""
    metadata = metadata_from_shapes(read_ddl(out / "ssdt/Modules"))
    for table in metadata.tables.values():
        for column in table.columns:
            text = column.type.text if isinstance(column.type, SqlServerType) else ""
            if text and parse_sql_type(text).name in EXACT_TYPES:
                column.type = SqlServerType("text")
    schemas = sorted({t.schema for t in metadata.tables.values() if t.schema})
    engine = target_engine(database, schemas)
    with engine.begin() as connection:
        metadata.create_all(connection)
        for table in metadata.tables.values():
            if table.foreign_keys:
                ddl = connection.exec_driver_sql(
                    f'SELECT sql FROM "{table.schema or "main"}".sqlite_master '
                    "WHERE type = 'table' AND name = ?",
                    (table.name,),
                ).scalar()
                if "REFERENCES" not in (ddl or "").upper():
                    raise LoadError(f"{table.fullname}: SQLite table created without its FKs")
    return engine, metadata


class _Targets:
    """Target tables by the name the scripts use (`[schema].[Emitted]`), resolved once each."""

    def __init__(self, out: Path, metadata: sa.MetaData) -> None:
        self.out = out
        self.metadata = metadata
        self.entities = _entities(out)
        self.found: dict[tuple[str, str], _Target] = {}

    def get(self, node: exp.Table) -> _Target:
        key = ((node.db or "dbo").casefold(), node.name.casefold())
        if key not in self.found:
            self.found[key] = self._resolve(key)
        return self.found[key]

    def _resolve(self, key: tuple[str, str]) -> _Target:
        schema, name = key
        entity = self.entities.get(key)
        table = self.metadata.tables.get(name if schema == "dbo" else f"{schema}.{name}")
        if entity is None or table is None:
            raise LoadError(f"{schema}.{name}: not a table of the model and of the SSDT project")
        snapshot = self.out / layout_path("snapshot", None, entity)
        return _Target(
            table_id=f"{entity.schema}.{entity.physical_name}",
            table=table,
            physical={a.emitted_name.casefold(): a.physical_name for a in entity.attributes},
            types=sql_types(snapshot),
            keys=[a.physical_name for a in entity.attributes if a.is_identifier],
        )


# ---- executing ----------------------------------------------------------------------------------


def _stored(value: object) -> object:
    """A parsed literal as SQLite stores it (no Decimal or date binding in sqlite3)."""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _value(node: exp.Expr, sql_type: SqlType) -> object:
    return parse_literal(node.sql(dialect="tsql"), sql_type)


class _Loader:
    def __init__(self, connection: sa.Connection, targets: _Targets, result: LoadResult) -> None:
        self.connection = connection
        self.targets = targets
        self.result = result
        self.touched: dict[str, _Target] = {}

    def file(self, path: Path) -> None:
        self.result.files.append(path.name)
        for number, batch in enumerate(batches(_read(path)), 1):
            where = f"{path.name} batch {number}"
            if not batch.strip():
                continue
            guard = GUARD.fullmatch(batch.strip())
            if guard:
                self.guard(guard["table"], where)
                continue
            identity = IDENTITY_INSERT.fullmatch(batch.strip())
            if identity:
                self.table_node(identity["table"], where)
                continue
            try:
                with quiet_sqlglot():
                    statements = sqlglot.parse(batch, read="tsql")
            except sqlglot.errors.SqlglotError as error:
                raise LoadError(f"{where}: does not parse: {error}") from None
            for statement in statements:
                if statement is not None:
                    self.statement(statement, where)

    def statement(self, statement: exp.Expr, where: str) -> None:
        if isinstance(statement, exp.Insert):
            self.insert(statement, where)
        elif isinstance(statement, exp.Update):
            self.update(statement, where)
        elif isinstance(statement, exp.Set) and all(
            isinstance(item, exp.SetItem)
            and isinstance(item.this, exp.EQ)
            and item.this.this.name.upper() in HARMLESS_SET
            and item.this.expression.name.upper() == "ON"
            for item in statement.expressions
        ):
            return
        else:
            shown = statement.sql(dialect="tsql")[:200]
            raise LoadError(f"{where}: unexpected statement {shown!r}")

    def table_node(self, text: str, where: str) -> _Target:
        tables = list(sqlglot.parse_one(f"SELECT 1 FROM {text}", read="tsql").find_all(exp.Table))
        if len(tables) != 1:
            raise LoadError(f"{where}: {text!r} is not one table")
        return self.touch(self.targets.get(tables[0]))

    def touch(self, target: _Target) -> _Target:
        self.touched.setdefault(target.table_id, target)
        return target

    def guard(self, table: str, where: str) -> None:
        target = self.table_node(table, where)
        count = self.connection.scalar(sa.select(sa.func.count()).select_from(target.table))
        if count:
            raise LoadError(f"{where}: guard: {target.table_id} already holds {count} rows")

    def insert(self, statement: exp.Insert, where: str) -> None:
        schema = statement.this
        values = statement.expression
        if not isinstance(schema, exp.Schema) or not isinstance(values, exp.Values):
            raise LoadError(f"{where}: not INSERT INTO table (columns) VALUES ...")
        target = self.touch(self.targets.get(schema.this))
        columns = [target.column(c.name) for c in schema.expressions]
        rows = []
        for row in values.expressions:
            cells = row.expressions
            if len(cells) != len(columns):
                raise LoadError(f"{where}: a tuple of {len(cells)} values for {len(columns)}")
            rows.append(
                {
                    column.name: _stored(_value(cell, sql_type))
                    for (column, _, sql_type), cell in zip(columns, cells, strict=True)
                }
            )
        self.connection.execute(target.table.insert(), rows)
        self.result.batches.setdefault(target.table_id, []).append(len(rows))

    def update(self, statement: exp.Update, where: str) -> None:
        target = self.touch(self.targets.get(statement.this))
        changes = {}
        for assignment in statement.expressions:
            column, _, sql_type = self.assigned(assignment, target, where)
            changes[column.name] = _stored(_value(assignment.expression, sql_type))
        condition = statement.args.get("where")
        if condition is None:
            raise LoadError(f"{where}: UPDATE without WHERE")
        tests = []
        for term in _conjuncts(condition.this):
            column, _, sql_type = self.assigned(term, target, where)
            tests.append(column == _stored(_value(term.expression, sql_type)))
        keys = {self.assigned(t, target, where)[1] for t in _conjuncts(condition.this)}
        if keys != set(target.keys):
            raise LoadError(f"{where}: UPDATE WHERE {sorted(keys)} is not the key {target.keys}")
        done = self.connection.execute(
            sa.update(target.table).where(sa.and_(*tests)).values(changes)
        )
        if done.rowcount != 1:
            raise LoadError(f"{where}: UPDATE changed {done.rowcount} rows, not 1")
        self.result.updates += 1

    def assigned(
        self, node: exp.Expr, target: _Target, where: str
    ) -> tuple[sa.Column[Any], str, SqlType]:
        if not isinstance(node, exp.EQ) or not isinstance(node.this, exp.Column):
            raise LoadError(f"{where}: expected [column] = literal, got {node.sql()!r}")
        return target.column(node.this.name)


def _conjuncts(node: exp.Expr) -> list[exp.Expr]:
    if isinstance(node, exp.And):
        return [*_conjuncts(node.this), *_conjuncts(node.expression)]
    if isinstance(node, exp.Paren):
        return _conjuncts(node.this)
    return [node]


def load_dynamic(out: Path, database: Path) -> LoadResult:
    """Create the SSDT tables in `database` and run `out/DynamicData/load.sql` into them."""
    engine, metadata = create_target(out, database)
    targets = _Targets(out, metadata)
    result = LoadResult()
    try:
        with engine.begin() as connection:
            loader = _Loader(connection, targets, result)
            for path in includes(out / layout_path("load_script")):
                loader.file(path)
        with engine.connect() as connection:
            for table_id, target in sorted(loader.touched.items()):
                result.rows[table_id] = _read_back(connection, target)
    finally:
        engine.dispose()
    return result


def _read_back(connection: sa.Connection, target: _Target) -> list[Row]:
    columns = _columns(target)
    by_name = {column.name: physical for column, physical in columns}
    order = [target.table.c[_emitted(target, k)] for k in target.keys]
    query = sa.select(*(column for column, _ in columns)).order_by(*order)
    rows = connection.execute(query).mappings()
    return [
        {by_name[c]: normalise(v, target.types[by_name[c]]) for c, v in row.items()} for row in rows
    ]


def _columns(target: _Target) -> list[tuple[sa.Column[Any], str]]:
    return [(target.table.c[e], p) for e, p in target.physical.items() if p in target.types]


def _emitted(target: _Target, physical: str) -> str:
    return next(e for e, p in target.physical.items() if p == physical)


def snapshot_rows(out: Path, table_id: str) -> list[Row]:
    """The snapshot's rows (`out/data/<table_id>.parquet`), normalised like the loaded ones."""
    module, entity = find_table(read_model(out / layout_path("model")), table_id)
    path = out / layout_path("snapshot", module, entity)
    types = sql_types(path)
    return [
        {c: normalise(v, types[c]) for c, v in row.items()}
        for row in pq.read_table(path).to_pylist()
    ]

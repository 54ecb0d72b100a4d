"""`doit load` on SQLite/PostgreSQL: the seeds, then `DynamicData/load.sql` file by file, read back
by `osddl.load.script` and executed statement by statement into the fresh staging database, every
constraint on.

Each statement runs in its own transaction, as `sqlcmd -b` with `XACT_ABORT ON` would: the load
stops at the first refused statement, which is then replayed row by row (and rolled back) to name
the row and, where it can be told, the column. Load metrics are per table: rows, seconds, rows/s.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

from osddl.layout import path
from osddl.load.script import Guard, Rows, ScriptError, Step, Update, Where, includes, read_script
from osddl.load.target import BINDERS, COLUMN_BINDERS, Staging, StagingTable
from osddl.proofs.fit import misfit

POST_DEPLOYMENT = "ssdt/Script.PostDeployment.sql"


@dataclass(frozen=True)
class Finding:
    kind: str  # script | refused | guard | update | missing-table
    file: str
    batch: int
    row: int
    column: str
    detail: str


@dataclass
class TableLoad:
    batches: list[int] = field(default_factory=list)  # rows of each INSERT, in order
    seconds: float = 0.0

    @property
    def rows(self) -> int:
        return sum(self.batches)


@dataclass
class LoadResult:
    files: list[str] = field(default_factory=list)
    tables: dict[str, TableLoad] = field(default_factory=dict)  # table id → what was loaded
    updates: int = 0
    findings: list[Finding] = field(default_factory=list)
    seconds: float = 0.0


def load_files(out: Path) -> list[Path]:
    """What a deployment then `sqlcmd -i load.sql` run: the seeds (post-deployment script, when
    the project has static entities), then every file `load.sql` includes, in order."""
    post = out / POST_DEPLOYMENT
    seeds = includes(post, out) if post.is_file() else []
    return [*seeds, *includes(out / path("load_script"), out)]


def load_staging(staging: Staging, out: Path, files: Iterable[Path]) -> LoadResult:
    """Run the files into the staging database; stops at the first finding."""
    result = LoadResult()
    start = time.perf_counter()
    with staging.engine.connect() as connection:
        loader = _Loader(connection, staging, result)
        try:
            for file in files:
                result.files.append(file.relative_to(out).as_posix())
                for step in read_script(file, out, staging.types):
                    loader.step(step)
        except ScriptError as error:
            where = error.where
            finding = Finding(
                "script", where.file, where.batch, error.row, error.column, error.detail
            )
            result.findings.append(finding)
        except _Stop:
            pass
    result.seconds = time.perf_counter() - start
    return result


class _Stop(Exception):
    """The load stopped at a finding (`sqlcmd -b`)."""


class _Loader:
    def __init__(self, connection: sa.Connection, staging: Staging, result: LoadResult) -> None:
        self.connection = connection
        self.staging = staging
        self.result = result
        self.bind, self.bind_column = BINDERS[staging.dialect], COLUMN_BINDERS[staging.dialect]
        self.statements: dict[tuple[str, tuple[str, ...]], str] = {}

    def step(self, step: Step) -> None:
        target = self.staging.get(step.table)
        if target is None:
            self.stop(
                "missing-table",
                step.where,
                f"{step.table.schema}.{step.table.name}: not a staged table",
            )
        assert target is not None
        if isinstance(step, Guard):
            self.guard(target, step.where)
        elif isinstance(step, Rows):
            self.insert(target, step)
        elif isinstance(step, Update):
            self.update(target, step)

    def stop(self, kind: str, where: Where, detail: str, row: int = 0, column: str = "") -> None:
        self.result.findings.append(Finding(kind, where.file, where.batch, row, column, detail))
        raise _Stop

    def guard(self, target: StagingTable, where: Where) -> None:
        count = self.connection.scalar(sa.select(sa.func.count()).select_from(target.table))
        self.connection.rollback()
        if count:
            self.stop("guard", where, f"{target.table_id} already holds {count} rows")

    def _rows(self, target: StagingTable, step: Rows) -> list[tuple[object, ...]]:
        """The rows as the driver binds them (converted column by column, only where needed)."""
        columns = [
            self.bind_column(values, target.types[name.casefold()])
            for name, values in zip(step.columns, step.values, strict=True)
        ]
        return list(zip(*columns, strict=True))

    def insert(self, target: StagingTable, step: Rows) -> None:
        rows = self._rows(target, step)
        start = time.perf_counter()
        try:
            with self.connection.begin():
                self.connection.exec_driver_sql(self._insert_sql(target, step.columns), rows)
        except sa.exc.DBAPIError as error:
            keys = [target.column(c).key for c in step.columns]
            named = [dict(zip(keys, row, strict=True)) for row in rows]
            row, column = self.diagnose(target, step, named)
            self.stop("refused", step.where, refusal(error), row, column)
        done = self.result.tables.setdefault(target.table_id, TableLoad())
        done.batches.append(len(rows))
        done.seconds += time.perf_counter() - start

    def _insert_sql(self, target: StagingTable, columns: tuple[str, ...]) -> str:
        """`INSERT INTO table (columns) VALUES (?, ...)` in the driver's own parameter style (one
        executemany per INSERT, no per-row statement building)."""
        key = (target.table_id, columns)
        sql = self.statements.get(key)
        if sql is None:
            quote = self.connection.dialect.identifier_preparer
            names = ", ".join(quote.format_column(target.column(c)) for c in columns)
            marker = "?" if self.connection.dialect.paramstyle == "qmark" else "%s"
            sql = (
                f"INSERT INTO {quote.format_table(target.table)} ({names}) "
                f"VALUES ({', '.join([marker] * len(columns))})"
            )
            self.statements[key] = sql
        return sql

    def diagnose(
        self, target: StagingTable, step: Rows, rows: list[dict[str, object]]
    ) -> tuple[int, str]:
        """The first row the database refuses on its own (replayed, then rolled back), and the
        column: a value that does not fit its type, else a NULL under NOT NULL, else the first
        FK column whose parent row is missing."""
        transaction = self.connection.begin()
        try:
            for number, row in enumerate(rows, 1):
                try:
                    with self.connection.begin_nested():
                        self.connection.execute(target.table.insert(), [row])
                except sa.exc.DBAPIError:
                    return number, self._column(target, step, number - 1, row)
        finally:
            transaction.rollback()
        return 0, ""

    def _column(self, target: StagingTable, step: Rows, index: int, row: dict[str, object]) -> str:
        for name, value in zip(step.columns, step.row(index), strict=True):
            if misfit(value, target.types[name.casefold()]) is not None:
                return name
            if value is None and not target.column(name).nullable:
                return name
        for fk in sorted(target.table.foreign_key_constraints, key=lambda f: str(f.name)):
            if self._orphan(fk, row):
                written = {name.casefold(): name for name in step.columns}
                return ", ".join(written.get(c.name.casefold(), c.name) for c in fk.columns)
        return ""

    def _orphan(self, fk: sa.ForeignKeyConstraint, row: dict[str, object]) -> bool:
        values = [row.get(c.key) for c in fk.columns]
        if any(v is None for v in values):
            return False
        parent = [e.column for e in fk.elements]
        query = sa.select(sa.func.count()).select_from(parent[0].table)
        found = self.connection.scalar(
            query.where(*(p == v for p, v in zip(parent, values, strict=True)))
        )
        return not found

    def update(self, target: StagingTable, step: Update) -> None:
        changes = {
            target.column(c).key: self.bind(v, target.types[c.casefold()])
            for c, v in step.changes.items()
        }
        tests = [
            target.column(c) == self.bind(v, target.types[c.casefold()])
            for c, v in step.key.items()
        ]
        keys = {target.physical[c.casefold()] for c in step.key}
        identifiers = {a.physical_name for a in target.entity.attributes if a.is_identifier}
        if keys != identifiers:
            self.stop(
                "update",
                step.where,
                f"UPDATE WHERE {sorted(keys)} is not the key {sorted(identifiers)}",
            )
        try:
            with self.connection.begin():
                done = self.connection.execute(
                    sa.update(target.table).where(*tests).values(changes)
                )
                if done.rowcount != 1:
                    raise _Count(done.rowcount)
        except _Count as count:
            self.stop(
                "update",
                step.where,
                f"UPDATE of {target.table_id} changed {count.args[0]} rows, not 1",
            )
        except sa.exc.DBAPIError as error:
            self.stop("refused", step.where, refusal(error), 1, ", ".join(step.changes))
        self.result.updates += 1


class _Count(Exception):
    pass


def refusal(error: sa.exc.DBAPIError) -> str:
    """The database's own message, first line (no SQL text, no bound values)."""
    return str(error.orig).strip().splitlines()[0] if error.orig else type(error).__name__

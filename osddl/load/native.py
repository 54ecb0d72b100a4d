"""SQL Server staging through pymssql: the emitted T-SQL runs as it is, batch by batch on `GO`.

The SSDT project's schemas and tables (retried in passes, since a table's inline FKs need their
parents), the seeds of the post-deployment script, then every file of `load.sql`. The first
refused batch stops the load (`sqlcmd -b`) and is a finding naming its file and batch.
Needs a reachable server (tests: `OSDDL_TEST_MSSQL_URL`); the database should be empty.
"""

from __future__ import annotations

import time
from pathlib import Path

import sqlalchemy as sa

from osddl.load.run import Finding, LoadResult, load_files
from osddl.load.script import read_text
from osddl.tsql import split_batches


def _batches(path: Path) -> list[tuple[int, str]]:
    batches = split_batches(read_text(path).splitlines())
    return [(b.number, b.text) for b in batches if b.text.strip()]


def _create_tables(connection: sa.Connection, out: Path, result: LoadResult) -> bool:
    pending = [
        *sorted((out / "ssdt/Schemas").glob("*.sql")),
        *sorted((out / "ssdt/Modules").rglob("*.sql")),
    ]
    while pending:
        failed: list[tuple[Path, str]] = []
        for file in pending:
            try:
                for _, batch in _batches(file):
                    connection.exec_driver_sql(batch)
                connection.commit()
            except sa.exc.DBAPIError as error:
                connection.rollback()
                failed.append((file, str(error.orig).splitlines()[0]))
        if len(failed) == len(pending):
            file, reason = failed[0]
            name = file.relative_to(out).as_posix()
            result.findings.append(Finding("refused", name, 0, 0, "", reason))
            return False
        pending = [f for f, _ in failed]
    return True


def load_native(engine: sa.Engine, out: Path) -> LoadResult:
    """Deploy the tables and run the seeds and `load.sql`'s files into SQL Server."""
    result = LoadResult()
    start = time.perf_counter()
    with engine.connect() as connection:
        if _create_tables(connection, out, result):
            for file in load_files(out):
                name = file.relative_to(out).as_posix()
                result.files.append(name)
                for number, batch in _batches(file):
                    try:
                        connection.exec_driver_sql(batch)
                        connection.commit()
                    except sa.exc.DBAPIError as error:
                        connection.rollback()
                        reason = str(error.orig).splitlines()[0]
                        result.findings.append(Finding("refused", name, number, 0, "", reason))
                        break
                if result.findings:
                    break
    result.seconds = time.perf_counter() - start
    return result

"""The cheap source probe that decides staleness: file digests for SQLite, one or two statements
for servers (row counts of the given tables and the engine's change marker)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from osddl.errors import SourceError
from osddl.faults import CODES
from osddl.io import canonical_json, sha256_bytes, sha256_file
from osddl.source.engine import DEFAULT_SCHEMA, source_errors

# A change marker the engine keeps for free; servers without one rely on row counts and the TTL.
CHANGE_MARKERS: dict[str, str] = {
    "mssql": "SELECT MAX(modify_date) FROM sys.objects WHERE type = 'U'",
    "postgresql": "SELECT COALESCE(SUM(n_tup_ins + n_tup_upd + n_tup_del), 0) "
    "FROM pg_stat_user_tables",
}


def file_probe(files: Sequence[Path]) -> str:
    """SQLite: the files' contents are the source; no statement is sent."""
    return sha256_bytes(canonical_json({str(p.name): _digest(p) for p in files}))


def _digest(file: Path) -> str:
    try:
        return sha256_file(file)
    except OSError as exc:
        reason = (exc.strerror or str(exc)).lower()
        raise SourceError(
            f"{file}: cannot read this source file ({reason}); check source.url (or "
            "source.attach, model.from_file) and that this user may read the file",
            CODES["EX_NOINPUT"],
        ) from None


def server_probe(engine: Engine, tables: Sequence[tuple[str, str]]) -> str:
    """Row counts of `tables` ((schema, table), OutSystems schema names) in one UNION ALL."""
    default = DEFAULT_SCHEMA.get(engine.dialect.name)
    counts = [
        sa.select(sa.literal(f"{schema}.{table}"), sa.func.count()).select_from(
            sa.table(table, schema=default if schema.casefold() == "dbo" else schema)
        )
        for schema, table in sorted(tables)
    ]
    facts: dict[str, object] = {}
    with source_errors(engine), engine.connect() as connection:
        if counts:
            facts["rows"] = {
                str(name): int(n) for name, n in connection.execute(sa.union_all(*counts))
            }
        marker = CHANGE_MARKERS.get(engine.dialect.name)
        if marker is not None:
            facts["marker"] = str(connection.execute(sa.text(marker)).scalar())
    return sha256_bytes(canonical_json(facts))

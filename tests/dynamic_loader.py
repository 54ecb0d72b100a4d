"""The tests' view of the product's load harness (`osddl.load`): load `DynamicData/load.sql` into a
SQLite file and read every exported table back, normalised and in key order.

`load_dynamic(out, database)` runs `load.sql`'s files only (no seeds: the cases here have no
static entities) through `osddl.load.run.load_staging`; a finding raises `LoadError` with the
finding's file, batch, row and column.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from osddl.export.snapshot import sql_types
from osddl.layout import path as layout_path
from osddl.load.documents import LoadFinding
from osddl.load.run import load_staging
from osddl.load.script import includes
from osddl.load.target import open_staging
from osddl.model.store import read_model
from osddl.selection import SelectionOptions, find_table, select
from osddl.stages.load import describe, snapshot_of, staged_batches
from osddl.tsql import normalise

Row = dict[str, Any]


class LoadError(AssertionError):
    """The load stopped at a finding."""


@dataclass
class LoadResult:
    """Rows per table id (physical names, normalised, key order), rows per INSERT, UPDATEs and
    the files run (names)."""

    rows: dict[str, list[Row]] = field(default_factory=dict)
    batches: dict[str, list[int]] = field(default_factory=dict)
    updates: int = 0
    files: list[str] = field(default_factory=list)


def load_dynamic(out: Path, database: Path, fresh: bool = True) -> LoadResult:
    """Create the SSDT tables in `database` (`fresh`; else reuse the loaded ones) and run
    `out/DynamicData/load.sql` into them."""
    model = read_model(out / layout_path("model"))
    members = list(select(model, SelectionOptions()).emitted)
    staging = open_staging(f"sqlite:///{database}", out, members, fresh)
    try:
        loaded = load_staging(staging, out, includes(out / layout_path("load_script"), out))
        if loaded.findings:
            f = loaded.findings[0]
            raise LoadError(
                describe(LoadFinding(f.kind, f.file, f.batch, f.row, f.column, f.detail))
            )
        result = LoadResult(
            batches={t: done.batches for t, done in loaded.tables.items()},
            updates=loaded.updates,
            files=[Path(f).name for f in loaded.files],
        )
        for module, entity in members:
            if entity.is_static:
                continue
            table = staging.tables[(entity.schema.casefold(), entity.emitted_name.casefold())]
            types = sql_types(snapshot_of(out, (module, entity)))
            columns = [(e, p) for e, p in table.physical.items() if p in types]
            keys = [a.physical_name for a in entity.attributes if a.is_identifier]
            rows = [
                {p: normalise(v, types[p]) for p, v in zip(batch, values, strict=True)}
                for batch in staged_batches(staging, table, columns)
                for values in zip(*batch.values(), strict=True)
            ]
            result.rows[table.table_id] = sorted(rows, key=lambda r: [r[k] for k in keys])
    finally:
        staging.engine.dispose()
    return result


def snapshot_rows(out: Path, table_id: str) -> list[Row]:
    """The snapshot's rows (`out/data/<table_id>.parquet`), normalised like the loaded ones."""
    module, entity = find_table(read_model(out / layout_path("model")), table_id)
    path = out / layout_path("snapshot", module, entity)
    types = sql_types(path)
    return [
        {c: normalise(v, types[c]) for c, v in row.items()}
        for row in pq.read_table(path).to_pylist()
    ]

"""Snapshots of exported (non-static) tables: one extraction subtask per table."""

from __future__ import annotations

from pathlib import Path

from osddl.export.snapshot import write_snapshot
from osddl.layout import path
from osddl.model.store import read_model
from osddl.options import SnapshotOptions
from osddl.selection import find_table
from osddl.stages.extract_model import source_engine


def snapshot_one(options: SnapshotOptions, model_path: Path, table: str, out: Path) -> None:
    """Stream one table of the model into `data/<schema>.<table>.parquet`."""
    module, entity = find_table(read_model(model_path), table)
    engine = source_engine(options.source)
    try:
        rows = write_snapshot(
            engine, entity, out / path("snapshot", module, entity), options.fetch_rows
        )
    finally:
        engine.dispose()
    print(f"snapshot: {table}: {rows} rows")

"""Snapshots of static entities (their records become SSDT seeds): an extraction stage."""

from __future__ import annotations

from pathlib import Path

from osddl.export.snapshot import STATIC_INDEX_VERSION, write_snapshot
from osddl.io import sha256_file, write_json
from osddl.layout import path
from osddl.model.store import read_model
from osddl.options import StaticDataOptions
from osddl.selection import select
from osddl.stages.extract_model import source_engine


def snapshot_static_entities(options: StaticDataOptions, model_path: Path, out: Path) -> None:
    """Write one snapshot per static entity and an index of their digests (doit's target: the
    SSDT stage depends on it, so changed records re-render exactly the seeds)."""
    model = read_model(model_path)
    digests: dict[str, str] = {}
    engine = source_engine(options.source)
    try:
        for module, entity in select(model, options.selection).static:
            snapshot = out / path("static_snapshot", module, entity)
            rows = write_snapshot(engine, entity, snapshot)
            digests[snapshot.name] = sha256_file(snapshot)
            print(f"static_data: {entity.schema}.{entity.physical_name}: {rows} rows")
    finally:
        engine.dispose()
    write_json(
        out / path("static_index"), {"schemaVersion": STATIC_INDEX_VERSION, "snapshots": digests}
    )

"""Snapshots of static entities (their records become SSDT seeds): an extraction stage."""

from __future__ import annotations

from pathlib import Path

from osddl.config import Settings
from osddl.export.snapshot import write_snapshot
from osddl.io import sha256_file, write_json
from osddl.model.store import read_model
from osddl.source.engine import create_source_engine
from osddl.stages.ssdt import skipped_modules, snapshot_path, static_entities

INDEX = "static-data.json"


def snapshot_static_entities(settings: Settings, model_path: Path, data_dir: Path) -> None:
    """Write one snapshot per static entity and an index of their digests (doit's target: the
    SSDT stage depends on it, so changed records re-render exactly the seeds)."""
    model = read_model(model_path)
    digests: dict[str, str] = {}
    entities = static_entities(model, skipped_modules(settings))
    engine = create_source_engine(
        settings.text("source.url"),
        settings.mapping("source.attach"),
        settings["source.connect_timeout_seconds"],
    )
    try:
        for _, entity in entities:
            path = snapshot_path(data_dir, entity)
            rows = write_snapshot(engine, entity, path)
            digests[path.name] = sha256_file(path)
            print(f"static_data: {entity.schema}.{entity.physical_name}: {rows} rows")
    finally:
        engine.dispose()
    write_json(data_dir / INDEX, {"schemaVersion": "osddl.static-data/1", "snapshots": digests})

"""Snapshots of exported (non-static) tables: one extraction subtask per table."""

from __future__ import annotations

from pathlib import Path

from osddl.config import Settings
from osddl.errors import InputError
from osddl.export.snapshot import write_snapshot
from osddl.model.contract import Entity, Model, Module
from osddl.model.store import read_model
from osddl.source.engine import create_source_engine
from osddl.stages.ssdt import skipped_modules, snapshot_path


def exported_entities(model: Model, settings: Settings) -> list[tuple[Module, Entity]]:
    """Non-static entities of the emitted modules, in model order (static ones are seeds)."""
    skip = skipped_modules(settings)
    return [
        (m, e)
        for m in model.modules
        if m.name.casefold() not in skip
        for e in m.entities
        if not e.is_static
    ]


def table_id(entity: Entity) -> str:
    return f"{entity.schema}.{entity.physical_name}"


def snapshot_one(settings: Settings, model_path: Path, table: str, data_dir: Path) -> None:
    """Stream one table of the model into `data/<schema>.<table>.parquet`."""
    model = read_model(model_path)
    entity = next(
        (
            e
            for _, e in exported_entities(model, settings)
            if table_id(e).casefold() == table.casefold()
        ),
        None,
    )
    if entity is None:
        raise InputError(
            f"snapshot: {table} is not an exported table of the model; "
            "run `doit list --all snapshot` for the current ones"
        )
    engine = create_source_engine(
        settings.text("source.url"),
        settings.mapping("source.attach"),
        settings["source.connect_timeout_seconds"],
    )
    try:
        rows = write_snapshot(
            engine, entity, snapshot_path(data_dir, entity), settings["data.fetch_rows"]
        )
    finally:
        engine.dispose()
    print(f"snapshot: {table}: {rows} rows")

"""Snapshots of exported (non-static) tables: one extraction subtask per table, which also
renders the table's INSERT batches in the same pass when it can (osddl.export.prerender)."""

from __future__ import annotations

from pathlib import Path

from osddl.errors import OsddlError
from osddl.export.load_order import LoadOrderDocument, read_load_order
from osddl.export.prerender import BodyWriter, Entry, known_without_order
from osddl.export.snapshot import write_snapshot
from osddl.layout import path
from osddl.model.contract import Entity, Model, Module
from osddl.model.store import read_model
from osddl.options import RenderAhead, SnapshotOptions
from osddl.selection import find_table
from osddl.stages.dynamic_data import table_load
from osddl.stages.extract_model import source_engine

_NO_ORDER = LoadOrderDocument(tables=[], deferred={}, self_references={})


def snapshot_one(
    options: SnapshotOptions,
    model_path: Path,
    table: str,
    out: Path,
    ahead: RenderAhead | None = None,
) -> None:
    """Stream one table of the model into `data/<schema>.<table>.parquet`; with `ahead`, render
    its INSERT batches from the same batches for its DynamicData task (out/work/prerendered)."""
    model = read_model(model_path)
    module, entity = find_table(model, table)
    target = out / path("snapshot", module, entity)
    writer = _body_writer(ahead, model, module, entity, out) if ahead else None
    engine = source_engine(options.source)
    try:
        if writer is None:
            rows = write_snapshot(engine, entity, target, options.fetch_rows)
        else:
            rows = write_snapshot(engine, entity, target, options.fetch_rows, consume=writer)
            writer.save(target)
    finally:
        engine.dispose()
        if writer is not None:
            writer.discard()
    print(f"snapshot: {table}: {rows} rows")


def _body_writer(
    ahead: RenderAhead, model: Model, module: Module, entity: Entity, out: Path
) -> BodyWriter | None:
    """The body's renderer when the table's render reads nothing but its snapshot (no uat-users
    mapping, no remediation ledger) and its render input is known now; else None."""
    if ahead.table.user_columns or ahead.table.remediate:
        return None
    plan = _NO_ORDER if known_without_order(model, entity) else _current_order(out)
    if plan is None:
        return None
    load = table_load(module, entity, plan, model.source.engine)
    entry = Entry.of(out, entity.schema, entity.physical_name)
    return BodyWriter(load, entry, ahead.table.render.batch_rows)


def _current_order(out: Path) -> LoadOrderDocument | None:
    try:
        return read_load_order(out / path("load_order"))
    except (OSError, OsddlError):
        return None  # none yet (or unreadable): the DynamicData task renders from the snapshot

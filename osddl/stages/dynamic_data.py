"""The dynamic_data stage: one table's snapshot → its DynamicData INSERT script (per-table mode)
or its part of `all.dynamic.sql` (single-file mode), plus its deferred-update fragment."""

from __future__ import annotations

from pathlib import Path

from osddl.export.dynamic import Column, TableLoad, render_table
from osddl.export.load_order import LoadOrderDocument, read_load_order
from osddl.export.prerender import Entry, take
from osddl.export.snapshot import exported_attributes
from osddl.layout import path
from osddl.model.contract import Entity, Module
from osddl.model.identity import has_identity
from osddl.model.sqltype import parse_sql_type
from osddl.model.store import read_model
from osddl.options import RenderTable
from osddl.selection import find_table, table_id


def dynamic_key(insert_mode: str) -> str:
    """The layout key of a table's INSERT script in this insert mode."""
    return "dynamic" if insert_mode == "per-table" else "dynamic_part"


def table_load(module: Module, entity: Entity, plan: LoadOrderDocument, engine: str) -> TableLoad:
    key = table_id(entity)
    attributes = exported_attributes(entity)
    return TableLoad(
        module=module.name,
        entity=entity.name,
        schema=entity.schema,
        physical=entity.physical_name,
        emitted=entity.emitted_name,
        columns=[
            Column(a.physical_name, a.emitted_name, parse_sql_type(a.sql_type)) for a in attributes
        ],
        keys=[a.physical_name for a in attributes if a.is_identifier],
        identity=has_identity(attributes, engine),
        deferred=set(plan.deferred_of(key)),
        self_references=set(plan.self_references_of(key)),
    )


def render_dynamic(options: RenderTable, model_path: Path, table: str, out: Path) -> None:
    """Render one table's DynamicData file from its snapshot; the values of its user-reference
    columns go through the uat-users transformation map, and with `options.remediate` its rows
    carry the remediation ledger's changes. The INSERT batches its snapshot task rendered in the
    same pass (out/work/prerendered) are taken when they were rendered from exactly these inputs."""
    model = read_model(model_path)
    module, entity = find_table(model, table)
    load = table_load(
        module, entity, read_load_order(out / path("load_order")), model.source.engine
    )
    # The map and the ledger are read only when used: their modules load the uat-users analysis
    # and the proofs' readers, which a plain render does not need.
    if options.user_columns:
        from osddl.stages.uat_users import read_transformation_map

        tmap = read_transformation_map(out)
        load.mapped = {column: tmap.map_array for column in options.user_columns}
    snapshot = out / path("snapshot", module, entity)
    if options.remediate:
        from osddl.export.remediation import ledger_transform
        from osddl.stages.remediation import read_ledger

        load.remediate = ledger_transform(read_ledger(out), entity, snapshot)
    batch_rows = options.render.batch_rows
    entry = take(Entry.of(out, entity.schema, entity.physical_name), load, batch_rows, snapshot)
    rows = render_table(
        load,
        snapshot,
        out / path(dynamic_key(options.render.insert_mode), module, entity),
        out / path("deferred_fragment", module, entity),
        batch_rows,
        (entry.body, entry.fragment) if entry else None,
    )
    if entry is not None:
        entry.drop()
    how = "rendered with its snapshot" if entry else "rendered from its snapshot"
    print(f"dynamic_data: {table}: {rows} rows ({how})")

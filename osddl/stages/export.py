"""The data stages: load order, DynamicData scripts per table, and the master load script."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from osddl.config import Settings
from osddl.export.dynamic import Column, TableLoad, render_table, write_text_chunks
from osddl.export.order import FkEdge, TableRef, edges_from_decisions, load_order
from osddl.export.snapshot import exported_attributes
from osddl.io import atomic_write_text, read_json_file, write_json
from osddl.model.contract import Entity, Model, Module
from osddl.model.sqltype import parse_sql_type
from osddl.model.store import read_model
from osddl.ssdt.plan import module_folder
from osddl.stages.snapshot import exported_entities, table_id
from osddl.stages.ssdt import skipped_modules, snapshot_path, static_entities
from osddl.templating import render

LOAD_ORDER = "work/load-order.json"
PROOF = "proofs/topological-order-proof.json"
UPDATES_PER_BATCH = 1000


def physical_edges(model: Model, not_null: set[str] | None = None) -> list[FkEdge]:
    """Single-column FKs that exist in the source, so the load order respects them too.
    `not_null`: physical `schema.table.column` (case-folded) the policy makes NOT NULL."""
    edges = []
    for module in model.modules:
        for entity in module.entities:
            by_column = {a.physical_name.casefold(): a for a in entity.attributes}
            for fk in entity.foreign_keys:
                if len(fk.columns) != 1:
                    continue
                attribute = by_column.get(fk.columns[0].casefold())
                nullable = (
                    attribute is None or attribute.on_disk is None or attribute.on_disk.is_nullable
                ) and (
                    f"{entity.schema}.{entity.physical_name}.{fk.columns[0]}".casefold()
                    not in (not_null or set())
                )
                edges.append(
                    FkEdge(
                        child=TableRef(entity.schema, entity.physical_name),
                        column=fk.columns[0],
                        parent=TableRef(fk.referenced_schema, fk.referenced_table),
                        parent_column=fk.referenced_columns[0],
                        nullable=nullable,
                        on_delete=fk.on_delete,
                        constraint=fk.name,
                        origin="physical",
                        label=f"{module.name}::{entity.name}.{attribute.name}"
                        if attribute
                        else None,
                    )
                )
    return edges


def tightened(decisions: dict[str, Any]) -> set[str]:
    return {c["physical"].casefold() for c in decisions["columns"] if c["makeNotNull"]}


def order_to_files(settings: Settings, model_path: Path, decisions_path: Path, out: Path) -> None:
    """Compute the load order; write the proof and the work file the renderers read."""
    model = read_model(model_path)
    decisions = json.loads(decisions_path.read_text(encoding="utf-8"))
    skip = skipped_modules(settings)
    tables = [TableRef(e.schema, e.physical_name) for _, e in exported_entities(model, settings)]
    preloaded = [TableRef(e.schema, e.physical_name) for _, e in static_entities(model, skip)]
    order = load_order(
        tables,
        [*edges_from_decisions(decisions, model), *physical_edges(model, tightened(decisions))],
        break_cycle=settings.items("data.break_cycle"),
        allow_missing_parents=settings.flag("data.allow_missing_parents"),
        preloaded=preloaded,
    )
    write_json(out / PROOF, order.proof())

    def columns(edges: tuple[FkEdge, ...]) -> dict[str, list[str]]:
        found: dict[str, set[str]] = {}
        for edge in edges:
            found.setdefault(str(edge.child), set()).add(edge.column)
        return {k: sorted(v) for k, v in sorted(found.items())}

    write_json(
        out / LOAD_ORDER,
        {
            "schemaVersion": "osddl.load-order/1",
            "tables": [str(t) for t in order.tables],
            "deferred": columns(order.deferred),
            "selfReferences": columns(order.self_references),
        },
    )
    for warning in order.warnings:
        print(f"order: warning: {warning}")
    print(
        f"order: {len(order.tables)} tables, {len(order.deferred)} deferred FK columns, "
        f"{len(order.self_references)} self-references → {out / PROOF}"
    )


def table_load(module: Module, entity: Entity, plan: dict[str, Any]) -> TableLoad:
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
        identity=any(a.on_disk is not None and a.on_disk.is_identity for a in attributes),
        deferred=set(_lookup(plan["deferred"], key)),
        self_references=set(_lookup(plan["selfReferences"], key)),
    )


def _lookup(mapping: dict[str, list[str]], key: str) -> list[str]:
    return next((v for k, v in mapping.items() if k.casefold() == key.casefold()), [])


SINGLE_FILE = "DynamicData/all.dynamic.sql"


def dynamic_path(module: Module, entity: Entity, mode: str = "per-table") -> str:
    """Per-table mode: the deliverable file; single-file mode: a part under work/ that
    `load_script` concatenates into `DynamicData/all.dynamic.sql` in load order."""
    base = "DynamicData" if mode == "per-table" else "work/dynamic"
    return f"{base}/{module_folder(module.name)}/{entity.schema}.{entity.emitted_name}.dynamic.sql"


def fragment_path(entity: Entity) -> str:
    return f"work/deferred/{entity.schema}.{entity.emitted_name}.sql"


def render_dynamic(settings: Settings, model_path: Path, table: str, out: Path) -> None:
    """Render one table's DynamicData file from its snapshot."""
    model = read_model(model_path)
    plan = read_json_file(out / LOAD_ORDER)
    module, entity = next(
        (m, e)
        for m, e in exported_entities(model, settings)
        if table_id(e).casefold() == table.casefold()
    )
    rows = render_table(
        table_load(module, entity, plan),
        snapshot_path(out / "data", entity),
        out / dynamic_path(module, entity, settings.text("data.insert_mode")),
        out / fragment_path(entity),
        settings["data.batch_rows"],
    )
    print(f"dynamic_data: {table}: {rows} rows")


def load_script(settings: Settings, model_path: Path, out: Path) -> None:
    """`load.sql` (sqlcmd master script, load order) and `deferred_updates.sql` (run last)."""
    model = read_model(model_path)
    plan = read_json_file(out / LOAD_ORDER)
    by_table = {table_id(e).casefold(): (m, e) for m, e in exported_entities(model, settings)}
    ordered = [by_table[t.casefold()] for t in plan["tables"]]
    mode = settings.text("data.insert_mode")
    parts = [dynamic_path(m, e, mode) for m, e in ordered]
    _remove_other_mode(out, [dynamic_path(m, e) for m, e in ordered], mode)
    if mode == "single-file":
        _concatenate(out / SINGLE_FILE, [out / p for p in parts])
        parts = [SINGLE_FILE]
    includes = [".\\" + p.removeprefix("DynamicData/").replace("/", "\\") for p in parts]
    atomic_write_text(out / "DynamicData/load.sql", render("data/load.sql.j2", includes=includes))
    statements = [
        line
        for _, e in ordered
        for line in (out / fragment_path(e)).read_text(encoding="utf-8").splitlines()
    ]
    batches = [
        statements[i : i + UPDATES_PER_BATCH] for i in range(0, len(statements), UPDATES_PER_BATCH)
    ]
    atomic_write_text(
        out / "DynamicData/deferred_updates.sql",
        render("data/deferred_updates.sql.j2", batches=batches, count=len(statements)),
    )
    print(
        f"load_script: {len(ordered)} tables, {len(statements)} deferred updates → "
        f"{out / 'DynamicData/load.sql'}"
    )


def _concatenate(target: Path, parts: list[Path]) -> None:
    """The single-file deliverable: every table's part, in load order, streamed."""

    def chunks() -> Iterator[str]:
        for part in parts:
            with part.open(encoding="utf-8", newline="") as handle:
                yield from iter(lambda: handle.read(1 << 20), "")

    write_text_chunks(target, chunks())


def _remove_other_mode(out: Path, per_table: list[str], mode: str) -> None:
    """Switching `data.insert_mode` must not leave the other mode's deliverables behind."""
    stale = per_table if mode == "single-file" else [SINGLE_FILE]
    for relative in stale:
        if (out / relative).is_file():
            (out / relative).unlink()
            print(f"load_script: removed {relative} (data.insert_mode is {mode})")
            if not any((out / relative).parent.iterdir()):
                (out / relative).parent.rmdir()

"""The order stage: model + decisions → the load order (work file) and its proof."""

from __future__ import annotations

from pathlib import Path

from osddl.export.edges import export_edges
from osddl.export.load_order import LoadOrderDocument, write_load_order
from osddl.export.order import FkEdge, TableRef, load_order
from osddl.io import write_json
from osddl.layout import path
from osddl.model.store import read_model
from osddl.options import OrderOptions
from osddl.policy.store import read_decisions
from osddl.selection import preloaded, select


def order_to_files(
    options: OrderOptions, model_path: Path, decisions_path: Path, out: Path
) -> None:
    """Compute the load order; write the proof and the work file the renderers read."""
    model = read_model(model_path)
    decisions = read_decisions(decisions_path)
    selection = select(model, options.selection)
    order = load_order(
        [TableRef(e.schema, e.physical_name) for _, e in selection.exported],
        export_edges(model, decisions),
        break_cycle=list(options.break_cycle),
        allow_missing_parents=options.allow_missing_parents,
        preloaded=[TableRef(e.schema, e.physical_name) for _, e in preloaded(selection)],
    )
    write_json(out / path("order_proof"), order.proof())
    write_load_order(
        out / path("load_order"),
        LoadOrderDocument(
            tables=[str(t) for t in order.tables],
            deferred=_columns(order.deferred),
            self_references=_columns(order.self_references),
        ),
    )
    for warning in order.warnings:
        print(f"order: warning: {warning}")
    print(
        f"order: {len(order.tables)} tables, {len(order.deferred)} deferred FK columns, "
        f"{len(order.self_references)} self-references → {out / path('order_proof')}"
    )


def _columns(edges: tuple[FkEdge, ...]) -> dict[str, list[str]]:
    found: dict[str, set[str]] = {}
    for edge in edges:
        found.setdefault(str(edge.child), set()).add(edge.column)
    return {k: sorted(v) for k, v in sorted(found.items())}

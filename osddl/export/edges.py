"""The FK edges the load order must respect: the policy's FKs and the source's physical ones."""

from __future__ import annotations

from osddl.export.order import FkEdge, TableRef, edges_from_decisions
from osddl.model.contract import Model
from osddl.policy.contract import DecisionsDocument


def export_edges(model: Model, decisions: DecisionsDocument) -> list[FkEdge]:
    """Every FK edge between tables of the model, with nullability in the target."""
    return [*edges_from_decisions(decisions, model), *physical_edges(model, tightened(decisions))]


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


def tightened(decisions: DecisionsDocument) -> set[str]:
    return {c.physical.casefold() for c in decisions.columns if c.make_not_null}

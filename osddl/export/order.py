"""Load order: the FK graph of the exported tables, sorted so parents load before their children.

Pure: callers pass the tables and the foreign keys the *target* will enforce; nothing here reads or
writes files. Cycles are broken by deferring FK columns (inserted as NULL, set afterwards by
`DynamicData/deferred_updates.sql`); self-references stay out of the graph because the renderer
orders them row by row inside the table's file. `LoadOrder.proof()` is the JSON of
`out/proofs/topological-order-proof.json`; `osddl.proofs.order` re-checks the emitted scripts
independently.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Final

import networkx as nx

from osddl.errors import InputError
from osddl.model.contract import Attribute, Entity, Model
from osddl.policy.contract import DecisionsDocument

PROOF_VERSION: Final = "osddl.topological-order-proof/1"

# Preference when a cycle must be broken: lower rank is deferred first; None = cannot be deferred.
RANK_LISTED: Final = 0  # named by the operator in data.break_cycle
RANK_NULLABLE: Final = 1  # nullable, and deleting the parent does not cascade to it
RANK_NULLABLE_CASCADE: Final = 2  # nullable, but ON DELETE CASCADE (prefer to keep it enforced)
CASCADE_ACTIONS: Final = frozenset({"CASCADE"})

CYCLE_FIX: Final = "make one FK column nullable in the model, or list it in data.break_cycle"
MISSING_FIX: Final = (
    "add the parent's module to the selection, or set data.allow_missing_parents = true"
)

TableKey = tuple[str, str]
GraphEdge = tuple[TableKey, TableKey]
EdgeKey = tuple[TableKey, str, TableKey, str]


@dataclass(frozen=True)
class TableRef:
    """A table by schema and physical name; matched case-insensitively, shown as spelled."""

    schema: str
    table: str
    key: TableKey = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "key", (self.schema.casefold(), self.table.casefold()))

    def __str__(self) -> str:
        return f"{self.schema}.{self.table}"


@dataclass(frozen=True)
class FkEdge:
    """One FK column the target enforces: `child.column` references `parent.parent_column`.

    `label` is the OutSystems name (`Module::Entity.Attribute`) when known, so data.break_cycle
    may use either spelling.
    """

    child: TableRef
    column: str
    parent: TableRef
    parent_column: str
    nullable: bool = True
    on_delete: str = "NO_ACTION"
    constraint: str | None = None
    origin: str = "policy"
    label: str | None = None
    # What makes two edges the same FK (a policy FK may also be a physical one); computed once
    # because sorting 30,000 edges asks for it often.
    identity: EdgeKey = field(init=False, repr=False, compare=False)
    sort_key: tuple[TableKey, str, TableKey, str, str, str, bool] = field(
        init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        column, parent_column = self.column.casefold(), self.parent_column.casefold()
        identity = (self.child.key, column, self.parent.key, parent_column)
        object.__setattr__(self, "identity", identity)
        object.__setattr__(self, "sort_key", (*identity, self.origin, self.column, self.nullable))

    @property
    def name(self) -> str:
        return f"{self.child}.{self.column}"

    def names(self) -> set[str]:
        """Every spelling data.break_cycle may use for this column, case-folded."""
        found = {self.name.casefold()}
        if self.label:
            found.add(self.label.casefold())
        return found

    def display(self) -> str:
        return f"{self.name} → {self.parent}"


@dataclass(frozen=True)
class Cycle:
    """A strongly connected component of 2+ tables and the FK columns deferred to break it."""

    tables: tuple[TableRef, ...]
    deferred: tuple[FkEdge, ...]


@dataclass(frozen=True)
class LoadOrder:
    """A valid load order: `tables` respects every edge that is not deferred."""

    tables: tuple[TableRef, ...]
    edges: tuple[FkEdge, ...]
    deferred: tuple[FkEdge, ...]
    self_references: tuple[FkEdge, ...]
    missing_parents: tuple[FkEdge, ...]
    preloaded: tuple[FkEdge, ...]
    cycles: tuple[Cycle, ...]
    warnings: tuple[str, ...]

    def proof(self) -> dict[str, Any]:
        """The topological-order proof: every edge with the check that makes it safe."""
        index = {t.key: i for i, t in enumerate(self.tables)}
        special = {
            **{e.identity: "preloaded" for e in self.preloaded},
            **{e.identity: "missingParent" for e in self.missing_parents},
            **{e.identity: "deferred" for e in self.deferred},
        }
        edges = [_edge_proof(e, index, special) for e in self.edges]
        valid = all(e["holds"] for e in edges)
        return {
            "schemaVersion": PROOF_VERSION,
            "order": [str(t) for t in self.tables],
            "edges": edges,
            "cycles": [
                {"tables": [str(t) for t in c.tables], "deferred": [e.name for e in c.deferred]}
                for c in self.cycles
            ],
            "deferred": [e.name for e in self.deferred],
            "selfReferences": [e.name for e in self.self_references],
            "missingParents": [e.display() for e in self.missing_parents],
            "warnings": list(self.warnings),
            "counts": {
                "tables": len(self.tables),
                "edges": len(self.edges),
                "deferred": len(self.deferred),
                "selfReferences": len(self.self_references),
                "missingParents": len(self.missing_parents),
                "cycles": len(self.cycles),
            },
            "valid": valid,
            "verdict": "pass" if valid else "fail",
        }


class _Unbreakable(Exception):
    """A cycle none of whose graph edges can be deferred."""

    def __init__(self, cycle: list[GraphEdge]) -> None:
        super().__init__()
        self.cycle = cycle


# ---- the sorter -----------------------------------------------------------------------------


def load_order(
    tables: Iterable[TableRef],
    edges: Iterable[FkEdge],
    *,
    break_cycle: Sequence[str] = (),
    allow_missing_parents: bool = False,
    preloaded: Iterable[TableRef] = (),
) -> LoadOrder:
    """Order `tables` parents first; raise InputError for an unbreakable cycle or missing parent.

    `preloaded` tables (static entities, seeded by SSDT) satisfy an FK without being ordered.
    Edges whose child is not exported are out of scope and ignored.
    """
    nodes = _index(tables)
    present = {k: t for k, t in _index(preloaded).items() if k not in nodes}
    scoped = _scoped_edges(edges, nodes)
    self_refs = [e for e in scoped if e.child.key == e.parent.key]
    outside = [e for e in scoped if e.parent.key not in nodes and e.child.key != e.parent.key]
    missing = [e for e in outside if e.parent.key not in present]
    if missing and not allow_missing_parents:
        listed = ", ".join(e.display() for e in missing)
        raise InputError(
            f"load order: foreign keys point at tables outside the export: {listed}; {MISSING_FIX}"
        )
    inside = [e for e in scoped if e.parent.key in nodes and e.child.key != e.parent.key]
    graph = _graph(nodes, inside)
    cycles = _break_cycles(graph, {name.casefold() for name in break_cycle}, nodes)
    order = tuple(nodes[k] for k in nx.lexicographical_topological_sort(graph))
    deferred = tuple(sorted((e for c in cycles for e in c.deferred), key=lambda e: e.sort_key))
    warnings = _missing_warnings(missing) + _break_cycle_warnings(break_cycle, scoped, deferred)
    return LoadOrder(
        tables=order,
        edges=tuple(scoped),
        deferred=deferred,
        self_references=tuple(self_refs),
        missing_parents=tuple(missing),
        preloaded=tuple(e for e in outside if e.parent.key in present),
        cycles=tuple(cycles),
        warnings=tuple(sorted(warnings)),
    )


def _index(tables: Iterable[TableRef]) -> dict[TableKey, TableRef]:
    """Tables by case-insensitive key, in key order; of two spellings the smaller wins."""
    found: dict[TableKey, TableRef] = {}
    for table in tables:
        kept = found.get(table.key)
        if kept is None or (table.schema, table.table) < (kept.schema, kept.table):
            found[table.key] = table
    return {k: found[k] for k in sorted(found)}


def _scoped_edges(edges: Iterable[FkEdge], nodes: Mapping[TableKey, TableRef]) -> list[FkEdge]:
    """Edges whose child is exported, one per FK, sorted; table spellings follow `nodes`."""
    unique: dict[EdgeKey, FkEdge] = {}
    for edge in sorted(edges, key=lambda e: e.sort_key):
        if edge.child.key in nodes:
            child = nodes[edge.child.key]
            parent = nodes.get(edge.parent.key, edge.parent)
            if child != edge.child or parent != edge.parent:
                edge = replace(edge, child=child, parent=parent)
            kept = unique.setdefault(edge.identity, edge)
            if kept.nullable and not edge.nullable:  # NOT NULL anywhere means NULL cannot load
                unique[edge.identity] = replace(kept, nullable=False)
    return list(unique.values())


def _graph(nodes: Mapping[TableKey, TableRef], edges: list[FkEdge]) -> nx.DiGraph:
    """parent → child, one graph edge per table pair carrying its FK columns (`fks`)."""
    graph = nx.DiGraph()
    graph.add_nodes_from(nodes)
    for edge in edges:
        pair = (edge.parent.key, edge.child.key)
        if graph.has_edge(*pair):
            graph.edges[pair]["fks"].append(edge)
        else:
            graph.add_edge(*pair, fks=[edge])
    return graph


# ---- cycles -----------------------------------------------------------------------------------


def _break_cycles(
    graph: nx.DiGraph, listed: set[str], nodes: Mapping[TableKey, TableRef]
) -> list[Cycle]:
    """Defer FK columns until `graph` is acyclic (edited in place); one Cycle per component."""
    components = sorted(sorted(c) for c in nx.strongly_connected_components(graph) if len(c) > 1)
    cycles: list[Cycle] = []
    stuck: list[str] = []
    for component in components:
        try:
            removed = _break_component(graph.subgraph(component).copy(), listed)
        except _Unbreakable as error:
            stuck.append(_unbreakable_message(graph, error.cycle, nodes))
            continue
        fks = [fk for pair in removed for fk in graph.edges[pair]["fks"]]
        graph.remove_edges_from(removed)
        cycles.append(
            Cycle(
                tables=tuple(nodes[k] for k in component),
                deferred=tuple(sorted(fks, key=lambda e: e.sort_key)),
            )
        )
    if stuck:
        raise InputError("\n".join(stuck))
    return cycles


def _break_component(sub: nx.DiGraph, listed: set[str]) -> list[GraphEdge]:
    """Greedy: remove the best deferrable edge of one cycle, look again, repeat; then prune.

    `sub` holds its nodes and edges in sorted order, so the depth-first search that finds each
    cycle, and therefore every choice, is deterministic.
    """
    removed: list[GraphEdge] = []
    while True:
        try:
            cycle = nx.find_cycle(sub)
        except nx.NetworkXNoCycle:
            return _reinstate(sub, removed)
        pair = _choose(sub, cycle, listed)
        sub.remove_edge(*pair)
        removed.append(pair)


def _rank(fk: FkEdge, listed: set[str]) -> int | None:
    if fk.names() & listed:
        return RANK_LISTED
    if not fk.nullable:
        return None
    return RANK_NULLABLE_CASCADE if fk.on_delete.upper() in CASCADE_ACTIONS else RANK_NULLABLE


def _choose(sub: nx.DiGraph, cycle: list[GraphEdge], listed: set[str]) -> GraphEdge:
    """The cycle edge to defer: every column on it deferrable, best rank, then by column name."""
    best: tuple[int, Any, GraphEdge] | None = None
    for u, v in cycle:
        fks: list[FkEdge] = sub.edges[u, v]["fks"]
        ranks = [_rank(fk, listed) for fk in fks]
        if any(r is None for r in ranks):
            continue
        candidate = (max(r for r in ranks if r is not None), min(f.sort_key for f in fks), (u, v))
        if best is None or candidate[:2] < best[:2]:
            best = candidate
    if best is None:
        raise _Unbreakable(cycle)
    return best[2]


def _reinstate(sub: nx.DiGraph, removed: list[GraphEdge]) -> list[GraphEdge]:
    """Put back every removed edge that no longer closes a cycle, so the set is minimal."""
    kept: list[GraphEdge] = []
    for parent, child in reversed(removed):
        if nx.has_path(sub, child, parent):
            kept.append((parent, child))
        else:
            sub.add_edge(parent, child)
    return sorted(kept)


def _unbreakable_message(
    graph: nx.DiGraph, cycle: list[GraphEdge], nodes: Mapping[TableKey, TableRef]
) -> str:
    """Name the cycle in reference direction (child → parent), starting at its smallest table."""
    fks = sorted((f for pair in cycle for f in graph.edges[pair]["fks"]), key=lambda e: e.sort_key)
    path = [child for _, child in reversed(cycle)]
    start = path.index(min(path))
    path = path[start:] + path[:start] + [path[start]]
    shown = " → ".join(str(nodes[k]) for k in path)
    columns = ", ".join(fk.name for fk in fks)
    return (
        f"load order: cycle {shown} cannot be broken: none of its foreign key columns "
        f"({columns}) is nullable or listed in data.break_cycle; {CYCLE_FIX}"
    )


# ---- warnings and proof ----------------------------------------------------------------------


def _missing_warnings(missing: list[FkEdge]) -> list[str]:
    return [
        f"{e.display()}: parent table is not exported (data.allow_missing_parents = true); "
        "its rows must already be in the target"
        for e in missing
    ]


def _break_cycle_warnings(
    break_cycle: Sequence[str], edges: list[FkEdge], deferred: tuple[FkEdge, ...]
) -> list[str]:
    """An entry that names no FK, or one no cycle needed, is probably stale configuration."""
    known = {name for e in edges for name in e.names()}
    used = {name for e in deferred for name in e.names()}
    warnings: list[str] = []
    for entry in break_cycle:
        if entry.casefold() not in known:
            warnings.append(
                f"data.break_cycle entry {entry!r} names no exported foreign key column; "
                "spell it schema.table.column or Module::Entity.Attribute"
            )
        elif entry.casefold() not in used:
            warnings.append(
                f"data.break_cycle entry {entry!r} was not needed: no cycle runs through it, "
                "so the constraint stays enforced during the load"
            )
    for edge in deferred:
        if not edge.nullable:
            warnings.append(
                f"{edge.name} is NOT NULL but listed in data.break_cycle: the load must disable "
                "its constraint and re-enable it WITH CHECK afterwards"
            )
    return warnings


def _edge_proof(
    edge: FkEdge,
    index: Mapping[TableKey, int],
    special: Mapping[EdgeKey, str],
) -> dict[str, Any]:
    """The edge with the check that makes it safe: position, deferral, self-reference, or why
    its parent is not ordered (preloaded by SSDT, or missing and allowed)."""
    child_index = index[edge.child.key]
    parent_index = index.get(edge.parent.key)
    entry: dict[str, Any] = {
        "child": str(edge.child),
        "column": edge.column,
        "parent": str(edge.parent),
        "parentColumn": edge.parent_column,
        "nullable": edge.nullable,
        "onDelete": edge.on_delete,
        "constraint": edge.constraint,
        "origin": edge.origin,
        "childIndex": child_index,
        "parentIndex": parent_index,
    }
    if edge.child.key == edge.parent.key:
        entry.update(check="selfReference", selfReference=True, holds=True)
    elif edge.identity in special:
        check = special[edge.identity]
        entry.update({"check": check, check: True, "holds": True})
    else:
        entry.update(
            check="parentIndex < childIndex",
            holds=parent_index is not None and parent_index < child_index,
        )
    return entry


# ---- from decisions.json and model.json --------------------------------------------------------


def _entities(model: Model) -> dict[TableKey, tuple[str, Entity]]:
    return {
        TableRef(e.schema, e.physical_name).key: (m.name, e)
        for m in model.modules
        for e in m.entities
    }


def _attribute(entity: Entity | None, column: str) -> Attribute | None:
    if entity is None:
        return None
    wanted = column.casefold()
    return next((a for a in entity.attributes if a.physical_name.casefold() == wanted), None)


def _tightened(decisions: DecisionsDocument) -> set[tuple[str, str, str]]:
    """Columns the policy makes NOT NULL in the target: NULL cannot be inserted there."""
    return {
        (c.schema.casefold(), c.table.casefold(), c.column.casefold())
        for c in decisions.columns
        if c.make_not_null
    }


def edges_from_decisions(decisions: DecisionsDocument, model: Model) -> list[FkEdge]:
    """Every created FK (`createFk`) of decisions.json as an edge with physical names.

    Nullable means nullable in the *target*: on disk (True when the model does not know), not a
    key, and not tightened to NOT NULL by the policy.
    """
    entities = _entities(model)
    tightened = _tightened(decisions)
    edges: list[FkEdge] = []
    for ref in decisions.references:
        if not ref.create_fk:
            continue
        child = TableRef(ref.schema, ref.table)
        parent = TableRef(ref.referenced_schema, ref.referenced_table)
        attribute = _attribute(entities.get(child.key, ("", None))[1], ref.column)
        nullable = attribute is None or (
            (attribute.on_disk is None or attribute.on_disk.is_nullable)
            and not attribute.is_identifier
        )
        edges.append(
            FkEdge(
                child=child,
                column=ref.column,
                parent=parent,
                parent_column=ref.referenced_column or "Id",
                nullable=nullable and (*child.key, ref.column.casefold()) not in tightened,
                on_delete=ref.on_delete,
                constraint=ref.existing_constraint,
                label=f"{ref.module}::{ref.entity}.{ref.attribute}",
            )
        )
    return edges


def emitted_edges(edges: Iterable[FkEdge], model: Model) -> list[FkEdge]:
    """The same edges with emitted table and column names (what the INSERT scripts use)."""
    entities = _entities(model)

    def table(ref: TableRef) -> tuple[TableRef, Entity | None]:
        entity = entities.get(ref.key, ("", None))[1]
        return (TableRef(entity.schema, entity.emitted_name) if entity else ref), entity

    def column(entity: Entity | None, name: str) -> str:
        attribute = _attribute(entity, name)
        return attribute.emitted_name if attribute else name

    mapped: list[FkEdge] = []
    for edge in edges:
        child, child_entity = table(edge.child)
        parent, parent_entity = table(edge.parent)
        mapped.append(
            replace(
                edge,
                child=child,
                column=column(child_entity, edge.column),
                parent=parent,
                parent_column=column(parent_entity, edge.parent_column),
            )
        )
    return mapped

"""Static entity seeds: one idempotent MERGE per static entity, from its snapshot."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import networkx as nx

from osddl.export.snapshot import read_rows
from osddl.layout import module_folder
from osddl.model.contract import Entity, Module
from osddl.model.identity import has_identity
from osddl.model.sqltype import parse_sql_type
from osddl.tsql import literal, qualified, quote


@dataclass
class SeedPlan:
    module: str
    entity: str
    schema: str
    table_name: str
    mode: str  # merge | authoritative
    identity: bool
    keys: list[str]
    names: list[str]  # emitted column names, in snapshot order
    values: list[dict[str, Any]] = field(default_factory=list)  # emitted name → value
    rows: list[list[str]] = field(default_factory=list)  # rendered literals

    @property
    def table(self) -> str:
        return qualified(self.schema, self.table_name)

    @property
    def path(self) -> str:
        return f"Seeds/{module_folder(self.module)}/{self.schema}.{self.table_name}.seed.sql"

    @property
    def columns(self) -> list[str]:
        return [quote(n) for n in self.names]

    @property
    def match(self) -> str:
        return " AND ".join(f"t.{quote(k)} = s.{quote(k)}" for k in self.keys)

    @property
    def differs(self) -> list[str]:
        """NULL-safe "any column differs" over the non-key columns."""
        out = []
        for name in (n for n in self.names if n not in self.keys):
            t, s = f"t.{quote(name)}", f"s.{quote(name)}"
            out.append(
                f"{t} <> {s} OR ({t} IS NULL AND {s} IS NOT NULL) "
                f"OR ({t} IS NOT NULL AND {s} IS NULL)"
            )
        return out

    @property
    def updates(self) -> list[str]:
        return [f"t.{quote(n)} = s.{quote(n)}" for n in self.names if n not in self.keys]

    @property
    def inserts(self) -> list[str]:
        return [f"s.{quote(n)}" for n in self.names]


def seed_plan(module: Module, entity: Entity, snapshot: Path, mode: str, engine: str) -> SeedPlan:
    physical, rows = read_rows(snapshot)
    by_physical = {a.physical_name: a for a in entity.attributes}
    attributes = [by_physical[c] for c in physical]
    plan = SeedPlan(
        module.name,
        entity.name,
        entity.schema,
        entity.emitted_name,
        mode,
        identity=has_identity(attributes, engine),
        keys=[a.emitted_name for a in attributes if a.is_identifier],
        names=[a.emitted_name for a in attributes],
    )
    types = [parse_sql_type(a.sql_type) for a in attributes]
    for row in rows:
        values = [row[c] for c in physical]
        plan.values.append(dict(zip(plan.names, values, strict=True)))
        plan.rows.append([literal(v, t) for v, t in zip(values, types, strict=True)])
    return plan


def seed_order(seeds: Sequence[SeedPlan], edges: Mapping[str, set[str]]) -> list[SeedPlan]:
    """Parents before children among static entities (`edges`: child path → parent paths);
    ties and cycles fall back to the path order so the result is stable."""
    graph: nx.DiGraph[str] = nx.DiGraph()
    by_path = {s.path: s for s in seeds}
    graph.add_nodes_from(by_path)
    for child, parents in edges.items():
        graph.add_edges_from((p, child) for p in parents if p in by_path and p != child)
    try:
        order = list(nx.lexicographical_topological_sort(graph))
    except nx.NetworkXUnfeasible:
        order = sorted(by_path)
    return [by_path[p] for p in order]

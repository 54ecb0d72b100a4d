"""out/report.html: one self-contained page to look at after a run, built from the artifacts only.

Everything on the page is read from files the run wrote (manifest, decisions, the topological
proof, the proofs, the uat-users map); nothing is recomputed, so the page cannot disagree with them.
No network: the styles, the script and the dependency graph (SVG) are inline.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from osddl.io import atomic_write_text, read_json_file
from osddl.layout import path
from osddl.policy.rationale import RATIONALES
from osddl.stages.verify import PROOFS, UAT_USERS_PROOFS, proof_statuses
from osddl.templating import render_html

# Export validation re-hashes the manifest after this page is written: the console table is its
# place (and its file).
AFTER_THE_REPORT: Final = "export validation"
LISTED: Final = 200  # rows of a long finding list shown; the file holds them all

# Graph geometry (px).
NODE_W, NODE_H, GAP_X, GAP_Y, PAD = 250, 34, 60, 18, 12


@dataclass(frozen=True)
class Node:
    id: str
    kind: str  # exported | static | platform
    cycle: bool
    x: int
    y: int


@dataclass(frozen=True)
class Edge:
    parent: str
    child: str
    column: str
    kind: str  # edge | deferred | self
    path: str  # SVG path data


@dataclass(frozen=True)
class Graph:
    nodes: list[Node]
    edges: list[Edge]
    width: int
    height: int


def report_inputs(uat_users: bool) -> list[str]:
    """The artifacts the page reads (relative to the output folder): the task's file_dep."""
    keys = ["model", "decisions", "decision_report", "manifest"]
    keys += [key for _, key, _ in _shown_proofs(uat_users)]
    return [path(key) for key in dict.fromkeys(keys)]


def _shown_proofs(uat_users: bool) -> list[tuple[str, str, str]]:
    """(name, layout key, field that says pass) of every proof on the page."""
    return [
        (name, key, field)
        for name, (key, field) in PROOFS.items()
        if name != AFTER_THE_REPORT and (uat_users or name not in UAT_USERS_PROOFS)
    ]


def report_to_file(out: Path, uat_users: bool) -> None:
    target = out / path("report")
    atomic_write_text(target, build_report(out, uat_users))
    print(f"report: {target}")


def build_report(out: Path, uat_users: bool) -> str:
    def read(key: str) -> Any:
        return read_json_file(out / path(key))

    manifest, decisions, order = read("manifest"), read("decisions"), read("order_proof")
    fit = read("fit_verification")
    shown = {name: (key, field) for name, key, field in _shown_proofs(uat_users)}
    proofs = proof_statuses(out, uat_users, shown)
    return render_html(
        "report/report.html.j2",
        manifest=manifest,
        decisions=decisions,
        report=read("decision_report"),
        modules=_modules(decisions),
        graph=_graph(order, decisions, read("model")),
        order=order,
        proofs=proofs,
        failed=[p for p in proofs if p.status != "pass"],
        fit=fit,
        fit_listed=fit["failures"][:LISTED],
        remediation=_remediation(decisions),
        uat=manifest.get("uatUsers", {}),
        rationales=RATIONALES,
        node_w=NODE_W,
        node_h=NODE_H,
    )


def _modules(decisions: dict[str, Any]) -> list[dict[str, Any]]:
    """Per module: counts and each entity's decided items, for the drill-down."""
    kinds = (
        ("columns", "makeNotNull", "NOT NULL", "nullable"),
        ("uniqueIndexes", "enforceUnique", "UNIQUE", "not unique"),
        ("references", "createFk", "FK", "no FK"),
    )
    modules: dict[str, dict[str, Any]] = defaultdict(
        lambda: {"entities": defaultdict(list), "tightened": 0, "items": 0, "remediation": 0}
    )
    for section, flag, yes, no in kinds:
        for item in decisions[section]:
            module = modules[item["module"]]
            module["items"] += 1
            module["tightened"] += bool(item[flag])
            module["remediation"] += bool(item["requiresRemediation"])
            module["entities"][item["entity"]].append(
                {
                    "what": item.get("attribute") or ", ".join(item.get("attributes", [])),
                    "kind": section,
                    "decision": yes if item[flag] else no,
                    "tightened": bool(item[flag]),
                    "remediation": bool(item["requiresRemediation"]),
                    "rationales": item["rationales"],
                    "physical": item["physical"],
                }
            )
    return [
        {"name": name, **body, "entities": sorted(body["entities"].items())}
        for name, body in sorted(modules.items())
    ]


def _remediation(decisions: dict[str, Any]) -> dict[str, int]:
    return {
        section: sum(bool(item["requiresRemediation"]) for item in decisions[section])
        for section in ("columns", "uniqueIndexes", "references")
    }


def _graph(order: dict[str, Any], decisions: dict[str, Any], model: dict[str, Any]) -> Graph:
    """Tables in columns by depth (parents left of children); deferred and self edges marked;
    parents outside the export drawn as static (seeded) or platform (preloaded) nodes."""
    exported = list(order["order"])
    deferred = set(order["deferred"])
    in_cycle = {t for cycle in order["cycles"] for t in cycle["tables"]}
    static = {
        f"{e['schema']}.{e['physicalName']}"
        for m in model["modules"]
        for e in m["entities"]
        if e["isStatic"]
    }
    links = [
        (e["parent"], e["child"], e["column"], _edge_kind(e, deferred)) for e in order["edges"]
    ]
    links += [
        (s.rsplit(".", 1)[0], s.rsplit(".", 1)[0], s.rsplit(".", 1)[1], "self")
        for s in order["selfReferences"]
    ]
    outside = sorted(
        {
            f"{r['referencedSchema']}.{r['referencedTable']}"
            for r in decisions["references"]
            if f"{r['referencedSchema']}.{r['referencedTable']}" not in exported
        }
    )
    exported_set = set(exported)
    for r in decisions["references"]:
        parent = f"{r['referencedSchema']}.{r['referencedTable']}"
        if parent in outside and f"{r['schema']}.{r['table']}" in exported_set:
            links.append((parent, f"{r['schema']}.{r['table']}", r["column"], "outside"))
    level = {t: 0 for t in outside}
    for table in exported:  # load order: every parent over a kept edge comes first
        parents = [level.get(p, 0) + 1 for p, c, _, k in links if c == table and k == "edge"]
        parents += [1 for p, c, _, k in links if c == table and k == "outside"]
        level[table] = max([0, *parents])
    columns: dict[int, list[str]] = defaultdict(list)
    for table in [*outside, *exported]:
        columns[level.get(table, 0)].append(table)
    place = {
        table: (PAD + depth * (NODE_W + GAP_X), PAD + row * (NODE_H + GAP_Y))
        for depth, tables in columns.items()
        for row, table in enumerate(tables)
    }
    nodes = [
        Node(
            t,
            "exported" if t in exported_set else "static" if t in static else "platform",
            t in in_cycle,
            *place[t],
        )
        for t in [*outside, *exported]
    ]
    edges = [
        Edge(p, c, column, kind, _curve(place[p], place[c], kind == "self"))
        for p, c, column, kind in sorted(set(links))
        if p in place and c in place
    ]
    width = PAD * 2 + (max(columns, default=0) + 1) * (NODE_W + GAP_X)
    height = PAD * 2 + max((len(t) for t in columns.values()), default=0) * (NODE_H + GAP_Y)
    return Graph(nodes, edges, width, height)


def _edge_kind(edge: dict[str, Any], deferred: set[str]) -> str:
    return "deferred" if f"{edge['child']}.{edge['column']}" in deferred else "edge"


def _curve(parent: tuple[int, int], child: tuple[int, int], loop: bool) -> str:
    (px, py), (cx, cy) = parent, child
    if loop:
        x, y = px + NODE_W, py + NODE_H // 2
        return f"M{x},{y - 6} C{x + 40},{y - 30} {x + 40},{y + 30} {x},{y + 6}"
    x1, y1, x2, y2 = px + NODE_W, py + NODE_H // 2, cx, cy + NODE_H // 2
    if x2 <= x1:  # a deferred edge back to an earlier column: route under the nodes
        a, b = px + NODE_W // 2, cx + NODE_W // 2
        return f"M{a},{py + NODE_H} C{a},{py + 90} {b},{cy + 90} {b},{cy + NODE_H}"
    mid = (x1 + x2) // 2
    return f"M{x1},{y1} C{mid},{y1} {mid},{y2} {x2},{y2}"

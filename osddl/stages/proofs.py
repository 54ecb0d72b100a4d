"""Proofs and the run manifest: the independent order verifier, export validation, manifest."""

from __future__ import annotations

import json
import platform
from importlib.metadata import version
from pathlib import Path
from typing import Any

from osddl import __version__
from osddl.config import Settings
from osddl.export.order import edges_from_decisions, emitted_edges
from osddl.io import write_json
from osddl.model.store import read_model
from osddl.proofs.export import verify_export, write_verification
from osddl.proofs.manifest import write_manifest
from osddl.proofs.order import verify_order
from osddl.stages.export import physical_edges, tightened
from osddl.stages.ssdt import skipped_modules, static_entities

ORDER_VERIFICATION = "proofs/order-verification.json"
LIBRARIES = ("sqlalchemy", "pyarrow", "sqlglot", "doit", "jinja2", "networkx")


def verify_order_to_file(settings: Settings, out: Path) -> None:
    """Re-derive the FK edges from model and decisions, then check the emitted scripts only."""
    model = read_model(out / "model.json")
    decisions = json.loads((out / "decisions.json").read_text(encoding="utf-8"))
    static = {
        (e.schema.casefold(), e.physical_name.casefold())
        for _, e in static_entities(model, skipped_modules(settings))
    }
    edges = [
        e
        for e in [
            *edges_from_decisions(decisions, model),
            *physical_edges(model, tightened(decisions)),
        ]
        if e.parent.key not in static
    ]  # static parents are seeded by SSDT beforehand
    mapped = emitted_edges(edges, model)
    graph = [e for e in mapped if e.child.key != e.parent.key]
    selfs = [e for e in mapped if e.child.key == e.parent.key]
    result = verify_order(
        out / "DynamicData",
        graph,
        selfs,
        allow_missing_parents=settings.flag("data.allow_missing_parents"),
    )
    write_json(out / ORDER_VERIFICATION, result)
    _report("verify:order", result.get("verdict") == "pass", result.get("failures", []))


def verify_export_to_file(out: Path) -> None:
    result = verify_export(out, read_model(out / "model.json"))
    write_verification(out, result)
    _report("verify:export", result["status"] == "pass", result["findings"])


# Each proof file and where it says pass.
PROOFS: dict[str, tuple[str, str]] = {
    "topological order": ("proofs/topological-order-proof.json", "verdict"),
    "order verification": (ORDER_VERIFICATION, "verdict"),
    "export validation": ("proofs/export-validation.json", "status"),
}


def verdict(out: Path) -> bool:
    """One line per proof; False (the task fails) when any proof is missing or not `pass`."""
    failed = []
    for name, (path, field) in PROOFS.items():
        document = (
            json.loads((out / path).read_text(encoding="utf-8")) if (out / path).is_file() else {}
        )
        state = document.get(field, "missing")
        print(f"verify: {name}: {state} ({out / path})")
        if state != "pass":
            failed.append(name)
    if failed:
        print(
            f"verify: FAILED: {', '.join(failed)}; the findings are listed above and in the files"
        )
    return not failed


def _report(name: str, passed: bool, problems: list[dict[str, Any]]) -> None:
    print(f"{name}: {'pass' if passed else 'FAIL'}")
    for problem in problems[:50]:
        where = problem.get("path") or problem.get("file") or ""
        print(f"  {problem.get('kind')}: {where} {problem.get('detail', '')}".rstrip())
        if problem.get("hint"):
            print(f"    fix: {problem['hint']}")


def versions() -> dict[str, str]:
    return {
        "osddl": __version__,
        "python": platform.python_version(),
        **{name: version(name) for name in LIBRARIES},
    }


def manifest_to_file(settings: Settings, out: Path) -> None:
    model = read_model(out / "model.json")
    manifest = write_manifest(out, model, settings.provenance(), versions())
    print(f"manifest: {len(manifest['artifacts'])} artifacts → {out / 'full-export.manifest.json'}")

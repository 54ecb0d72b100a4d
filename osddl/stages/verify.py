"""The proof tasks: the independent order verifier, export validation, and the verdict.

Each proof always writes its file and never stops the run by itself, so every proof is computed;
`verdict` then fails (and with it `full_export` and `doit verify`) when any of them failed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from osddl.export.edges import export_edges
from osddl.export.order import emitted_edges
from osddl.io import read_json_file, write_json
from osddl.layout import BY_KEY, path
from osddl.model.store import read_model
from osddl.options import OrderOptions
from osddl.policy.store import read_decisions
from osddl.proofs.export import verify_export, write_verification
from osddl.proofs.order import verify_order
from osddl.selection import SelectionOptions, preloaded, select


def verify_order_to_file(options: OrderOptions, out: Path) -> None:
    """Re-derive the FK edges from model and decisions, then check the emitted scripts only."""
    model = read_model(out / path("model"))
    decisions = read_decisions(out / path("decisions"))
    selection = select(model, options.selection)
    present = {(e.schema.casefold(), e.physical_name.casefold()) for _, e in preloaded(selection)}
    edges = [e for e in export_edges(model, decisions) if e.parent.key not in present]
    mapped = emitted_edges(edges, model)
    result = verify_order(
        out / "DynamicData",
        [e for e in mapped if e.child.key != e.parent.key],
        [e for e in mapped if e.child.key == e.parent.key],
        allow_missing_parents=options.allow_missing_parents,
    )
    write_json(out / path("order_verification"), result)
    _report("verify:order", result.get("verdict") == "pass", result.get("failures", []))


def verify_export_to_file(options: SelectionOptions, out: Path) -> None:
    result = verify_export(out, read_model(out / path("model")), options)
    write_verification(out, result)
    _report("verify:export", result["status"] == "pass", result["findings"])


# Each proof: its layout key and the field that says pass.
PROOFS: dict[str, tuple[str, str]] = {
    "topological order": ("order_proof", "verdict"),
    "order verification": ("order_verification", "verdict"),
    "export validation": ("export_validation", "status"),
}


def verdict(out: Path) -> bool:
    """A table of every proof (status, task, file); False (the task fails) when any proof is
    missing or not `pass`."""
    rows = []
    for name, (key, field) in PROOFS.items():
        proof = out / path(key)
        document = read_json_file(proof) if proof.is_file() else {}
        rows.append((name, str(document.get(field, "missing")), BY_KEY[key].task, str(proof)))
    width = max(len(r[0]) for r in rows)
    print(f"verify: {'proof':<{width}}  status   task            file")
    for name, state, task, file in rows:
        print(f"verify: {name:<{width}}  {state:<7}  {task:<14}  {file}")
    failed = [r[0] for r in rows if r[1] != "pass"]
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

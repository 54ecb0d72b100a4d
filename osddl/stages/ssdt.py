"""The SSDT stage: model + decisions + static snapshots → out/ssdt/ (no stale files, ever)."""

from __future__ import annotations

from pathlib import Path

from osddl.errors import InputError
from osddl.io import LEFTOVER_REASON, atomic_write_text, is_leftover
from osddl.layout import module_folder, path
from osddl.model.contract import Model
from osddl.model.store import read_model
from osddl.options import SsdtStageOptions
from osddl.policy.contract import DecisionsDocument
from osddl.policy.store import read_decisions
from osddl.selection import select
from osddl.ssdt.plan import TablePlan, table_plans
from osddl.ssdt.render import post_deployment, project, schema_script, table_script
from osddl.ssdt.seeds import SeedPlan, seed_order, seed_plan
from osddl.templating import render

OWNED = (
    "Modules",
    "Schemas",
    "Seeds",
    "PostLoad",
)  # this stage's folders; Remediation/ is decide's
PLATFORM_FKS = "PostLoad/platform_foreign_keys.sql"


def _seed_edges(
    seeds: list[SeedPlan], decisions: DecisionsDocument, model: Model
) -> dict[str, set[str]]:
    """Child seed path → parent seed paths, from the FKs the policy creates."""
    by_table = {(s.schema.casefold(), _physical(model, s).casefold()): s.path for s in seeds}
    edges: dict[str, set[str]] = {}
    for ref in decisions.references:
        child = by_table.get((ref.schema.casefold(), ref.table.casefold()))
        parent = by_table.get((ref.referenced_schema.casefold(), ref.referenced_table.casefold()))
        if ref.create_fk and child and parent:
            edges.setdefault(child, set()).add(parent)
    return edges


def _physical(model: Model, seed: SeedPlan) -> str:
    return next(
        e.physical_name
        for m in model.modules
        for e in m.entities
        if m.name == seed.module and e.name == seed.entity
    )


def render_tree(
    options: SsdtStageOptions, model: Model, decisions: DecisionsDocument, out: Path
) -> dict[str, str]:
    """Every file of the project (relative path → text), checked for collisions."""
    selection = select(model, options.selection)
    plans = table_plans(selection, model.source.engine, decisions, options.ssdt)
    files: dict[str, str] = {}
    _add(files, {p.path: table_script(p) for p in plans}, plans)
    schemas = sorted({p.schema for p in plans if p.schema.casefold() != "dbo"}, key=str.casefold)
    files.update({f"Schemas/{s}.sql": schema_script(s) for s in schemas})
    seeds = [
        seed_plan(m, e, out / path("static_snapshot", m, e), options.seed_mode, model.source.engine)
        for m, e in selection.static
    ]
    ordered = seed_order(seeds, _seed_edges(seeds, decisions, model))
    files.update({s.path: render("ssdt/seed.sql.j2", seed=s) for s in ordered})
    files["Script.PostDeployment.sql"] = post_deployment([s.path for s in ordered])
    after_load = [statement for p in plans for statement in p.after_load]
    if after_load:
        files[PLATFORM_FKS] = render("ssdt/platform_foreign_keys.sql.j2", statements=after_load)
    return files


def _add(files: dict[str, str], new: dict[str, str], plans: list[TablePlan]) -> None:
    seen: dict[str, str] = {}
    for plan in plans:
        key = plan.path.casefold()
        if key in seen:
            raise InputError(
                f"ssdt: {plan.module}::{plan.entity} and {seen[key]} both emit "
                f"{plan.path}; add a naming.overrides entry for one of them"
            )
        seen[key] = f"{plan.module}::{plan.entity}"
    files.update(new)


def remove_stale(root: Path, keep: set[str]) -> list[str]:
    """Delete files under the owned folders that this run did not write, and empty folders."""
    removed = []
    for folder in OWNED:
        base = root / folder
        for file in sorted(base.rglob("*")) if base.is_dir() else []:
            relative = file.relative_to(root).as_posix()
            if file.is_file() and relative not in keep:
                file.unlink()
                removed.append(relative)
        for directory in (
            sorted((d for d in base.rglob("*") if d.is_dir()), reverse=True)
            if base.is_dir()
            else []
        ):
            if not any(directory.iterdir()):
                directory.rmdir()
    return removed


def emit_ssdt(options: SsdtStageOptions, model_path: Path, decisions_path: Path, out: Path) -> None:
    """Write the project, remove what no longer belongs to it, and list exactly what exists."""
    model = read_model(model_path)
    decisions = read_decisions(decisions_path)
    root = out / "ssdt"
    files = render_tree(options, model, decisions, out)
    for relative, text in sorted(files.items()):
        atomic_write_text(root / relative, text)
    for relative in remove_stale(root, set(files)):
        why = LEFTOVER_REASON if is_leftover(Path(relative).name) else "no longer in the model"
        print(f"ssdt: removed {relative} ({why})")
    existing = sorted(p.relative_to(root).as_posix() for p in root.rglob("*.sql"))
    build = [p for p in existing if p.split("/")[0] in ("Modules", "Schemas")]
    other = [p for p in existing if p not in build and p != "Script.PostDeployment.sql"]
    name = options.project_name
    sqlproj = f"{module_folder(name)}.sqlproj"
    atomic_write_text(root / sqlproj, project(name, build, other))
    for stale in sorted(p for p in root.glob("*.sqlproj") if p.name != sqlproj):
        stale.unlink()
        print(f"ssdt: removed {stale.name} (ssdt.project_name is {name!r})")
    tables = sum(1 for p in build if p.startswith("Modules/"))
    seeds = sum(1 for p in other if p.startswith("Seeds/"))
    print(f"ssdt: {tables} tables, {len(build) - tables} schemas, {seeds} seeds → {root}")

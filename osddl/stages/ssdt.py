"""The SSDT stage: model + decisions + static snapshots → out/ssdt/ (no stale files, ever)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from osddl.config import Settings
from osddl.errors import InputError
from osddl.io import atomic_write_text
from osddl.model.contract import Entity, Model
from osddl.model.store import read_model
from osddl.model.users import USERS_MODULE
from osddl.ssdt.plan import SsdtOptions, TablePlan, module_folder, table_plans
from osddl.ssdt.render import post_deployment, project, schema_script, table_script
from osddl.ssdt.seeds import SeedPlan, seed_order, seed_plan
from osddl.templating import render

OWNED = ("Modules", "Schemas", "Seeds")  # folders this stage owns; Remediation/ is decide's


def snapshot_path(data_dir: Path, entity: Entity) -> Path:
    return data_dir / f"{entity.schema}.{entity.physical_name}.parquet"


def static_entities(model: Model, skip: set[str]) -> list[tuple[Any, Entity]]:
    return [
        (m, e)
        for m in model.modules
        if m.name.casefold() not in skip
        for e in m.entities
        if e.is_static
    ]


def ssdt_options(settings: Settings) -> SsdtOptions:
    return SsdtOptions(
        include_platform_auto_indexes=settings.flag("ssdt.include_platform_auto_indexes"),
        database_collation=settings.text("ssdt.database_collation"),
    )


def skipped_modules(settings: Settings) -> set[str]:
    """The platform users table is emitted and exported only when `Users` is selected by name
    (UAT's platform already has `ossys_User`)."""
    selected = {m.casefold() for m in settings.items("model.modules")}
    return set() if USERS_MODULE.casefold() in selected else {USERS_MODULE.casefold()}


def _seed_edges(
    seeds: list[SeedPlan], decisions: dict[str, Any], model: Model
) -> dict[str, set[str]]:
    """Child seed path → parent seed paths, from the FKs the policy creates."""
    by_table = {(s.schema.casefold(), _physical(model, s).casefold()): s.path for s in seeds}
    edges: dict[str, set[str]] = {}
    for ref in decisions["references"]:
        child = by_table.get((ref["schema"].casefold(), ref["table"].casefold()))
        parent = by_table.get(
            (ref["referencedSchema"].casefold(), ref["referencedTable"].casefold())
        )
        if ref["createFk"] and child and parent:
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
    settings: Settings, model: Model, decisions: dict[str, Any], data_dir: Path
) -> dict[str, str]:
    """Every file of the project (relative path → text), checked for collisions."""
    skip = skipped_modules(settings)
    plans = table_plans(model, decisions, ssdt_options(settings), sorted(skip))
    files: dict[str, str] = {}
    _add(files, {p.path: table_script(p) for p in plans}, plans)
    schemas = sorted({p.schema for p in plans if p.schema.casefold() != "dbo"}, key=str.casefold)
    files.update({f"Schemas/{s}.sql": schema_script(s) for s in schemas})
    seeds = [
        seed_plan(m, e, snapshot_path(data_dir, e), settings.text("ssdt.seed_mode"))
        for m, e in static_entities(model, skip)
    ]
    ordered = seed_order(seeds, _seed_edges(seeds, decisions, model))
    files.update({s.path: render("ssdt/seed.sql.j2", seed=s) for s in ordered})
    files["Script.PostDeployment.sql"] = post_deployment([s.path for s in ordered])
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
        for path in sorted(base.rglob("*")) if base.is_dir() else []:
            relative = path.relative_to(root).as_posix()
            if path.is_file() and relative not in keep:
                path.unlink()
                removed.append(relative)
        for directory in (
            sorted((d for d in base.rglob("*") if d.is_dir()), reverse=True)
            if base.is_dir()
            else []
        ):
            if not any(directory.iterdir()):
                directory.rmdir()
    return removed


def emit_ssdt(
    settings: Settings, model_path: Path, decisions_path: Path, data_dir: Path, root: Path
) -> None:
    """Write the project, remove what no longer belongs to it, and list exactly what exists."""
    model = read_model(model_path)
    decisions = json.loads(decisions_path.read_text(encoding="utf-8"))
    files = render_tree(settings, model, decisions, data_dir)
    for relative, text in sorted(files.items()):
        atomic_write_text(root / relative, text)
    for relative in remove_stale(root, set(files)):
        print(f"ssdt: removed {relative} (no longer in the model)")
    existing = sorted(p.relative_to(root).as_posix() for p in root.rglob("*.sql"))
    build = [p for p in existing if p.split("/")[0] in ("Modules", "Schemas")]
    other = [p for p in existing if p not in build and p != "Script.PostDeployment.sql"]
    name = settings.text("ssdt.project_name")
    atomic_write_text(root / f"{module_folder(name)}.sqlproj", project(name, build, other))
    tables = sum(1 for p in build if p.startswith("Modules/"))
    seeds = sum(1 for p in other if p.startswith("Seeds/"))
    print(f"ssdt: {tables} tables, {len(build) - tables} schemas, {seeds} seeds → {root}")

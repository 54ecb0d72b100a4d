"""The sweep, the proof tasks (`doit verify`) and the run manifest.

Proofs always write their file and never stop the run, so every proof is computed; `verify:verdict`
then fails when any of them failed, naming which and why. Each proof declares what it reads, so a
rerun over unchanged files does not redo it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from osddl.layout import UNLISTED, path
from osddl.options import (
    DataOptions,
    data_options,
    manifest_options,
    order_options,
    selection_options,
    uat_users_stage_options,
)
from osddl.stages.manifest import manifest_to_file
from osddl.stages.sweep import sweep
from osddl.stages.verify import (
    UAT_VERIFICATION,
    verdict,
    verify_export_to_file,
    verify_fit_to_file,
    verify_loadable_to_file,
    verify_order_to_file,
    verify_uat_users_to_file,
)

from .common import (
    TreeUnchanged,
    artifact,
    operator_action,
    out,
    settings,
    tree_values,
)
from .load import data_proofs, verify_data_task

# The loadable proof reads the snapshots and, with the remediation applied, the emitted scripts:
# every exported snapshot re-renders its script, so the scripts' listing follows both (the static
# snapshots are followed through their index).
LOADABLE_READS = "DynamicData"
# The export check reads every file, the manifest included; the manifest describes every file but
# itself and what is written after it.
CHECKED = tuple(sorted(UNLISTED - {path("manifest")}))

PRODUCERS = [
    "extract_model",
    "profile",
    "decide",
    "ssdt",
    "snapshot",
    "order",
    "uat_users",
    "remediation",
    "load_script",
]


def task_sweep() -> dict[str, object]:
    """Remove every artifact this selection and insert mode no longer produce (printed)."""
    options = data_options(settings())
    return {
        "actions": [(operator_action(sweep), [options, Path(artifact("model")), out()])],
        "task_dep": PRODUCERS,
        "uptodate": [False],  # a listing of out/: O(files), and it must see every leftover
        "verbosity": 2,
    }


def _verify_order(options: Any) -> dict[str, str]:
    verify_order_to_file(options, out())
    return tree_values(options, "DynamicData")


def _verify_fit(options: Any) -> dict[str, str]:
    verify_fit_to_file(out())
    return tree_values(options, "DynamicData")


def _verify_loadable(options: Any) -> dict[str, str]:
    verify_loadable_to_file(options.selection, out())
    return tree_values(options, LOADABLE_READS)


def _verify_uat_users(options: Any) -> dict[str, str]:
    verify_uat_users_to_file(options, out())
    return tree_values(options, "DynamicData")


def _verify_export(options: Any) -> dict[str, str]:
    verify_export_to_file(options, out())
    return tree_values(options, exclude=CHECKED)


def _gate(options: DataOptions) -> dict[str, str] | bool:
    """full_export's last step: export validation over the new manifest, then the verdict."""
    verify_export_to_file(options.selection, out())
    return verdict(out(), options.uat_users) and tree_values(options, exclude=CHECKED)


def _manifest(options: Any) -> dict[str, str]:
    manifest_to_file(options, out())
    return tree_values(options, exclude=UNLISTED)


def uat_users_proofs() -> list[str]:
    """The uat-users proof task, while uat-users runs (`uat_users.enabled`)."""
    return ["verify:uat_users"] if settings().flag("uat_users.enabled") else []


def task_verify() -> Iterator[dict[str, object]]:
    """Run every proof; exits non-zero with a table of proofs when one fails."""
    order = order_options(settings())
    chosen = selection_options(settings())
    enabled = settings().flag("uat_users.enabled")
    yield {
        "name": "order",
        "doc": "Prove parents-before-children and deferred columns from the emitted scripts.",
        "actions": [(operator_action(_verify_order), [order])],
        "file_dep": [artifact("model"), artifact("decisions")],
        "targets": [artifact("order_verification")],
        "task_dep": ["load_script", "sweep"],
        "uptodate": [TreeUnchanged(order, "DynamicData")],  # every script it reads
        "verbosity": 2,
    }
    yield {
        "name": "fit",
        "doc": "Prove from the emitted INSERTs that every value fits its column's emitted type.",
        "actions": [(operator_action(_verify_fit), [order])],
        "file_dep": [artifact("model"), artifact("decisions")],
        "targets": [artifact("fit_verification")],
        "task_dep": ["load_script", "sweep"],
        "uptodate": [TreeUnchanged(order, "DynamicData")],  # every script it reads
        "verbosity": 2,
    }
    yield {
        "name": "loadable",
        "doc": "Prove the emitted schema accepts the emitted data: no NULLs under NOT NULL, "
        "duplicates under a unique index or orphans under a checked FK, in every mode.",
        "actions": [(operator_action(_verify_loadable), [order])],
        "file_dep": [
            artifact("model"),
            artifact("decisions"),
            artifact("static_index"),
            artifact("remediation_ledger"),
        ],
        "targets": [artifact("loadable_verification")],
        "task_dep": ["load_script", "sweep"],
        "uptodate": [TreeUnchanged(order, LOADABLE_READS)],
        "verbosity": 2,
    }
    if enabled:
        yield _verify_uat_users_task()
    yield from verify_data_task()
    yield {
        "name": "export",
        "doc": "Re-hash every artifact of the manifest; completeness against the model.",
        "actions": [(operator_action(_verify_export), [chosen])],
        # After the proofs: it re-hashes their files too.
        "task_dep": ["sweep", "verify:order", "verify:fit", "verify:loadable", *uat_users_proofs()],
        "targets": [artifact("export_validation")],
        "uptodate": [TreeUnchanged(chosen, exclude=CHECKED)],  # it re-hashes the whole tree
        "verbosity": 2,
    }
    yield {
        "name": "verdict",
        "doc": "Print every proof's status; fail when any proof failed.",
        "actions": [(operator_action(verdict), [out(), enabled])],
        "task_dep": [
            "verify:order",
            "verify:fit",
            "verify:loadable",
            *uat_users_proofs(),
            "verify:export",
            *data_proofs(),
        ],
        "uptodate": [False],  # reads a few small files; a failed proof must fail every run
        "verbosity": 2,
    }


def _verify_uat_users_task() -> dict[str, object]:
    users = uat_users_stage_options(settings())
    inventory = users.uat_users.uat_inventory
    return {
        "name": "uat_users",
        "doc": "Prove from the emitted INSERTs and the UPDATE script that every user id is an "
        "approved UAT id or NULL.",
        "actions": [(operator_action(_verify_uat_users), [users])],
        "file_dep": [
            artifact("model"),
            artifact("uat:transformation-map.json"),
            artifact("uat:02_apply_user_remap.sql"),
            *([inventory] if Path(inventory).is_file() else []),
        ],
        "targets": [artifact(UAT_VERIFICATION)],
        "task_dep": ["load_script", "sweep", "uat_users"],
        # Every script it reads; a changed snapshot re-renders its table's script.
        "uptodate": [TreeUnchanged(users, "DynamicData")],
        "verbosity": 2,
    }


def task_manifest() -> dict[str, object]:
    """Write out/full-export.manifest.json (artifacts, hashes, stages, options, versions)."""
    options = manifest_options(settings())
    return {
        "actions": [(operator_action(_manifest), [options])],
        "task_dep": [
            *PRODUCERS,
            "sweep",
            "verify:order",
            "verify:fit",
            "verify:loadable",
            *uat_users_proofs(),
        ],
        "targets": [artifact("manifest")],
        "uptodate": [TreeUnchanged(options, exclude=UNLISTED)],
        "verbosity": 2,
    }


def stages() -> list[str]:
    """What full_export runs before its gate, in order; the proofs come before the manifest,
    which lists their files."""
    return [
        *PRODUCERS,
        "dynamic_data",
        "sweep",
        "verify:order",
        "verify:fit",
        "verify:loadable",
        *uat_users_proofs(),
        "manifest",
        "report",
        *data_proofs(),  # once `doit load` has run here
    ]


def task_full_export() -> dict[str, object]:
    """Run every stage and every proof; fails with a table of proofs when one fails."""
    options = data_options(settings())
    return {
        "actions": [(operator_action(_gate), [options])],
        "task_dep": stages(),
        "uptodate": [TreeUnchanged(options, exclude=CHECKED)],
        "verbosity": 2,
    }

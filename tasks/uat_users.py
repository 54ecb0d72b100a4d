"""The uat_users task: QA user ids → approved UAT users (spec 05), from the snapshots."""

from __future__ import annotations

from pathlib import Path

from doit import create_after

from osddl.errors import OsddlError
from osddl.layout import path
from osddl.model.store import read_model
from osddl.options import catalog_options, uat_users_stage_options
from osddl.stages.uat_users import uat_users_to_files, user_catalog
from osddl.uat_users.files import UAT_ARTIFACTS

from .common import artifact, checked, operator_action, options_changed, out, selection


def user_columns() -> dict[str, tuple[str, ...]]:
    """`schema.table` (case-folded) → its catalogued physical columns (none while uat-users is
    off, or before the first extraction). Only the catalog's settings are read."""
    model = Path(artifact("model"))
    if not model.is_file():
        return {}
    options = checked(catalog_options)
    try:
        catalog = user_catalog(read_model(model), options)
    except OsddlError:
        return {}  # the uat_users task reports it, and the run stops there
    return {
        table.casefold(): tuple(c.column for c in columns)
        for table, columns in catalog.by_table().items()
    }


@create_after(executed="extract_model")
def task_uat_users() -> dict[str, object]:
    """Map every QA user id to an approved UAT user → out/uat-users/ (off: uat_users.enabled)."""
    options = checked(uat_users_stage_options)
    uat = options.uat_users
    if not uat.enabled:
        return {"actions": None, "doc": "uat-users is off (uat_users.enabled = false)"}
    catalogued = user_columns()
    snapshots = [
        artifact("snapshot", m, e)
        for m, e in selection().exported
        if f"{e.schema}.{e.physical_name}".casefold() in catalogued
    ]
    inputs = [p for p in (uat.qa_inventory, uat.uat_inventory, uat.map) if Path(p).is_file()]
    return {
        "actions": [
            (operator_action(uat_users_to_files), [options, Path(artifact("model")), out()])
        ],
        "file_dep": [artifact("model"), *inputs, *snapshots],
        "task_dep": ["snapshot"],  # delayed tasks: the snapshots' producers are not known yet
        "targets": [str(out(path(f"uat:{a.name}"))) for a in UAT_ARTIFACTS if a.when != "verify"],
        "uptodate": [options_changed(options)],
        "verbosity": 2,
    }

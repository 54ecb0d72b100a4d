"""Data export tasks: per-table snapshots and DynamicData scripts, load order, load script.

Per-table tasks are created after `extract_model` ran, from the model it wrote.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from doit import create_after

from osddl.layout import task_of
from osddl.options import (
    RenderAhead,
    RenderTable,
    data_options,
    order_options,
    remediation_options,
    render_options,
    snapshot_options,
)
from osddl.selection import table_id
from osddl.stages.dynamic_data import dynamic_key, render_dynamic
from osddl.stages.extract_model import model_inputs
from osddl.stages.load_script import load_script
from osddl.stages.order import order_to_files
from osddl.stages.remediation import remediation_to_file
from osddl.stages.snapshot import snapshot_one

from .common import (
    artifact,
    operator_action,
    options_changed,
    out,
    selection,
    settings,
    source_uptodate,
)
from .uat_users import user_columns


@create_after(executed="extract_model")
def task_snapshot() -> Iterator[dict[str, object]]:
    """Snapshot every exported table from the source → out/data/<schema>.<table>.parquet."""
    config = settings()
    options = snapshot_options(config)
    from_file, refresh = config.text("model.from_file"), config.flag("cache.refresh")
    inputs = [str(p) for p in model_inputs(options.source, from_file).files]
    render = render_options(config)
    remediate = config.flag("policy.apply_remediation_in_export")
    catalogued = user_columns()
    for module, entity in selection().exported:
        users = catalogued.get(table_id(entity).casefold(), ())
        ahead = RenderAhead(RenderTable(render, users, remediate))  # one pass, when it can
        yield {
            "name": task_of("snapshot", entity).partition(":")[2],
            "actions": [
                (
                    operator_action(snapshot_one),
                    [
                        options,
                        Path(artifact("model")),
                        table_id(entity),
                        out(),
                        ahead,
                    ],
                )
            ],
            "file_dep": [artifact("model"), *inputs],
            "targets": [artifact("snapshot", module, entity)],
            "uptodate": [
                source_uptodate(options.source, from_file, refresh),
                options_changed(options),
            ],
        }


def task_order() -> dict[str, object]:
    """FK load order, cycles broken on nullable columns → out/proofs/*order-proof.json."""
    options = order_options(settings())
    return {
        "actions": [
            (
                operator_action(order_to_files),
                [options, Path(artifact("model")), Path(artifact("decisions")), out()],
            )
        ],
        "file_dep": [artifact("model"), artifact("decisions")],
        "targets": [artifact("order_proof"), artifact("load_order")],
        "uptodate": [options_changed(options)],
        "verbosity": 2,
    }


@create_after(executed="extract_model")
def task_remediation() -> dict[str, object]:
    """Write out/proofs/remediation-ledger.json: the values the INSERTs change to carry the
    remediation pack's fixes (policy.apply_remediation_in_export; empty while it is off)."""
    options = remediation_options(settings())
    snapshots = [artifact("snapshot", m, e) for m, e in selection().exported]
    snapshots += [artifact("static_snapshot", m, e) for m, e in selection().static]
    return {
        "actions": [(operator_action(remediation_to_file), [options, out()])],
        "file_dep": [
            artifact("model"),
            artifact("decisions"),
            *(snapshots if options.apply else []),
        ],
        "targets": [artifact("remediation_ledger")],
        # delayed producers of its file deps are not known when doit first reaches it
        "task_dep": ["snapshot", "static_data"] if options.apply else [],
        "uptodate": [options_changed(options)],
        "verbosity": 2,
    }


def _rendered(insert_mode: str) -> list[str]:
    """Every table's script and deferred fragment in this insert mode."""
    key = dynamic_key(insert_mode)
    return [artifact(k, m, e) for m, e in selection().exported for k in (key, "deferred_fragment")]


@create_after(executed="extract_model")
def task_dynamic_data() -> Iterator[dict[str, object]]:
    """Render each table's INSERT script from its snapshot → out/DynamicData/<Module>/*.sql;
    user ids of tables with user references go through the uat-users transformation map."""
    options = render_options(settings())
    remediate = settings().flag("policy.apply_remediation_in_export")
    ledger = [artifact("remediation_ledger")] if remediate else []
    catalogued = user_columns()
    for module, entity in selection().exported:
        users = catalogued.get(table_id(entity).casefold(), ())
        table = RenderTable(options, users, remediate)
        yield {
            "name": task_of("dynamic", entity).partition(":")[2],
            "actions": [
                (
                    operator_action(render_dynamic),
                    [table, Path(artifact("model")), table_id(entity), out()],
                )
            ],
            "file_dep": [
                artifact("model"),
                artifact("load_order"),
                artifact("snapshot", module, entity),
                *([artifact("uat:transformation-map.json")] if users else []),
                *ledger,
            ],
            "targets": [
                artifact(dynamic_key(options.insert_mode), module, entity),
                artifact("deferred_fragment", module, entity),
            ],
            # delayed producers of its file deps are not known when doit first reaches it
            "task_dep": ["snapshot", "uat_users", *(["remediation"] if remediate else [])],
            "uptodate": [options_changed(table)],
        }


@create_after(executed="extract_model")
def task_load_script() -> dict[str, object]:
    """Write DynamicData/load.sql (sqlcmd master script) and deferred_updates.sql."""
    options = data_options(settings())
    single = options.insert_mode == "single-file"
    return {
        "actions": [(operator_action(load_script), [options, Path(artifact("model")), out()])],
        "file_dep": [artifact("model"), artifact("load_order"), *_rendered(options.insert_mode)],
        "task_dep": ["dynamic_data"],
        "targets": [
            artifact("load_script"),
            artifact("deferred_updates"),
            *([artifact("single_file")] if single else []),
        ],
        "uptodate": [options_changed(options)],
        "verbosity": 2,
    }

"""Data export tasks: per-table snapshots and DynamicData scripts, load order, load script.

Per-table tasks are created after `extract_model` ran, from the model it wrote.
"""

from __future__ import annotations

from collections.abc import Iterator

from doit import create_after
from doit.tools import config_changed

from osddl.model.contract import Entity, Module
from osddl.model.store import read_model
from osddl.stages.export import (
    LOAD_ORDER,
    PROOF,
    SINGLE_FILE,
    dynamic_path,
    fragment_path,
    load_script,
    order_to_files,
    render_dynamic,
)
from osddl.stages.extract_model import model_inputs
from osddl.stages.snapshot import exported_entities, snapshot_one, table_id
from osddl.stages.ssdt import snapshot_path
from tasks.common import fingerprint, operator_action, out, settings, source_uptodate


def _exported() -> list[tuple[Module, Entity]]:
    path = out("model.json")
    return list(exported_entities(read_model(path), settings())) if path.is_file() else []


@create_after(executed="extract_model")
def task_snapshot() -> Iterator[dict[str, object]]:
    """Snapshot every exported table from the source → out/data/<schema>.<table>.parquet."""
    config = settings()
    inputs = model_inputs(config)
    for _, entity in _exported():
        yield {
            "name": table_id(entity),
            "actions": [
                (
                    operator_action(snapshot_one),
                    [config, out("model.json"), table_id(entity), out("data")],
                )
            ],
            "file_dep": [str(out("model.json")), *(str(p) for p in inputs.files)],
            "targets": [str(snapshot_path(out("data"), entity))],
            "uptodate": [
                source_uptodate(config),
                config_changed(fingerprint(config.subset("data.fetch"))),
            ],
        }


def task_order() -> dict[str, object]:
    """FK load order, cycles broken on nullable columns → out/proofs/*order-proof.json."""
    config = settings()
    return {
        "actions": [
            (
                operator_action(order_to_files),
                [config, out("model.json"), out("decisions.json"), out()],
            )
        ],
        "file_dep": [str(out("model.json")), str(out("decisions.json"))],
        "targets": [str(out(PROOF)), str(out(LOAD_ORDER))],
        "uptodate": [config_changed(fingerprint(config.subset("data.break", "data.allow")))],
        "verbosity": 2,
    }


@create_after(executed="extract_model")
def task_dynamic_data() -> Iterator[dict[str, object]]:
    """Render each table's INSERT script from its snapshot → out/DynamicData/<Module>/*.sql."""
    config = settings()
    for module, entity in _exported():
        yield {
            "name": f"{entity.schema}.{entity.emitted_name}",
            "actions": [
                (
                    operator_action(render_dynamic),
                    [config, out("model.json"), table_id(entity), out()],
                )
            ],
            "file_dep": [
                str(out("model.json")),
                str(out(LOAD_ORDER)),
                str(snapshot_path(out("data"), entity)),
            ],
            "targets": [
                str(out(dynamic_path(module, entity, config.text("data.insert_mode")))),
                str(out(fragment_path(entity))),
            ],
            "uptodate": [config_changed(fingerprint(config.subset("data.batch")))],
        }


@create_after(executed="extract_model")
def task_load_script() -> dict[str, object]:
    """Write DynamicData/load.sql (sqlcmd master script) and deferred_updates.sql."""
    config = settings()
    mode = config.text("data.insert_mode")
    rendered = [
        str(out(p)) for m, e in _exported() for p in (dynamic_path(m, e, mode), fragment_path(e))
    ]
    return {
        "actions": [(operator_action(load_script), [config, out("model.json"), out()])],
        "file_dep": [str(out("model.json")), str(out(LOAD_ORDER)), *rendered],
        "task_dep": ["dynamic_data"],
        "targets": [
            str(out("DynamicData/load.sql")),
            str(out("DynamicData/deferred_updates.sql")),
            *([str(out(SINGLE_FILE))] if mode == "single-file" else []),
        ],
        "verbosity": 2,
    }

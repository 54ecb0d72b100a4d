"""SSDT tasks: static entity snapshots (extraction) and the project under out/ssdt/."""

from __future__ import annotations

from pathlib import Path

from osddl.options import SsdtStageOptions, ssdt_stage_options, static_data_options
from osddl.stages.extract_model import model_inputs
from osddl.stages.ssdt import emit_ssdt
from osddl.stages.static_data import snapshot_static_entities

from .common import (
    TreeUnchanged,
    artifact,
    operator_action,
    options_changed,
    out,
    settings,
    source_uptodate,
    tree_values,
)


def task_static_data() -> dict[str, object]:
    """Snapshot the records of static entities from the source → out/data/*.parquet."""
    config = settings()
    options = static_data_options(config)
    from_file, refresh = config.text("model.from_file"), config.flag("cache.refresh")
    return {
        "actions": [
            (operator_action(snapshot_static_entities), [options, Path(artifact("model")), out()])
        ],
        "file_dep": [
            artifact("model"),
            *(str(p) for p in model_inputs(options.source, from_file).files),
        ],
        "targets": [artifact("static_index")],
        "uptodate": [source_uptodate(options.source, from_file, refresh), options_changed(options)],
        "verbosity": 2,
    }


def _emit(options: SsdtStageOptions) -> dict[str, str]:
    emit_ssdt(options, Path(artifact("model")), Path(artifact("decisions")), out())
    return tree_values(options, "ssdt")


def task_ssdt() -> dict[str, object]:
    """Emit the SSDT project (tables, schemas, seeds, sqlproj) → out/ssdt/."""
    options = ssdt_stage_options(settings())
    return {
        "actions": [(operator_action(_emit), [options])],
        "file_dep": [artifact("model"), artifact("decisions"), artifact("static_index")],
        "task_dep": ["static_data"],
        "uptodate": [TreeUnchanged(options, "ssdt")],  # it owns out/ssdt: a deleted file reruns it
        "targets": [artifact("post_deployment")],
        "verbosity": 2,
        "clean": True,
    }

"""SSDT tasks: static entity snapshots (extraction) and the project under out/ssdt/."""

from __future__ import annotations

from doit.tools import config_changed

from osddl.stages.extract_model import model_inputs
from osddl.stages.ssdt import emit_ssdt
from osddl.stages.static_data import INDEX, snapshot_static_entities
from tasks.common import fingerprint, operator_action, out, settings, source_uptodate


def task_static_data() -> dict[str, object]:
    """Snapshot the records of static entities from the source → out/data/*.parquet."""
    config = settings()
    inputs = model_inputs(config)
    return {
        "actions": [
            (operator_action(snapshot_static_entities), [config, out("model.json"), out("data")])
        ],
        "file_dep": [str(out("model.json")), *(str(p) for p in inputs.files)],
        "targets": [str(out("data", INDEX))],
        "uptodate": [source_uptodate(config)],
        "verbosity": 2,
    }


def task_ssdt() -> dict[str, object]:
    """Emit the SSDT project (tables, schemas, seeds, sqlproj) → out/ssdt/."""
    config = settings()
    relevant = config.subset("ssdt", "naming")
    return {
        "actions": [
            (
                operator_action(emit_ssdt),
                [config, out("model.json"), out("decisions.json"), out("data"), out("ssdt")],
            )
        ],
        "file_dep": [str(out("model.json")), str(out("decisions.json")), str(out("data", INDEX))],
        "task_dep": ["static_data"],
        "uptodate": [config_changed(fingerprint(relevant))],
        "targets": [str(out("ssdt", "Script.PostDeployment.sql"))],
        "verbosity": 2,
        "clean": True,
    }

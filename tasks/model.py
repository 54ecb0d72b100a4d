"""Tasks of the model stage: the demo database and `extract_model` → out/model.json."""

from __future__ import annotations

from pathlib import Path

from doit.tools import config_changed

from osddl.stages.extract_model import extract_to_file, model_inputs
from tasks.common import fingerprint, operator_action, out, settings, source_uptodate

DEMO_DIR = Path("fixtures/demo")
DEMO_BUILDER = ["fixtures/outsystems.py", "fixtures/demo.py"]


def build_demo_db(target: Path) -> None:
    from fixtures.demo import build_demo

    build_demo(target)


def task_demo_db() -> dict[str, object]:
    """Build the demo OutSystems QA database (fixtures/demo/qa*.sqlite) from its builder."""
    return {
        "actions": [(build_demo_db, [DEMO_DIR])],
        "file_dep": DEMO_BUILDER,
        "targets": [str(DEMO_DIR / "qa.sqlite"), str(DEMO_DIR / "qa_billing.sqlite")],
        "clean": True,
    }


def task_extract_model() -> dict[str, object]:
    """Extract the OutSystems model (database or Advanced SQL JSON) → out/model.json."""
    config = settings()
    relevant = config.subset("source", "model", "naming")
    inputs = model_inputs(config)
    return {
        "actions": [(operator_action(extract_to_file), [config, out("model.json")])],
        "file_dep": [str(p) for p in inputs.files],
        "targets": [str(out("model.json"))],
        "uptodate": [source_uptodate(config), config_changed(fingerprint(relevant))],
        "verbosity": 2,
        "clean": True,
    }

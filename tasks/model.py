"""Tasks of the model stage: the demo database and `extract_model` → out/model.json."""

from __future__ import annotations

from pathlib import Path

from osddl.options import extract_options
from osddl.stages.extract_model import extract_to_file, model_inputs

from .common import artifact, operator_action, options_changed, settings, source_uptodate

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
    options = extract_options(settings())
    inputs = model_inputs(options.source, options.from_file)
    return {
        "actions": [(operator_action(extract_to_file), [options, Path(artifact("model"))])],
        "file_dep": [str(p) for p in inputs.files],
        "targets": [artifact("model")],
        "uptodate": [
            source_uptodate(options.source, options.from_file, options.cache.refresh),
            options_changed(options),
        ],
        "verbosity": 2,
        "clean": True,
    }

"""The profile task: push-down evidence about the data → out/profile.parquet."""

from __future__ import annotations

from pathlib import Path

from osddl.options import profile_stage_options
from osddl.stages.extract_model import model_inputs
from osddl.stages.profile import profile_to_files

from .common import artifact, operator_action, options_changed, settings, source_uptodate


def task_profile() -> dict[str, object]:
    """Profile the source inside the database (NULLs, duplicates, orphans) → out/profile.parquet."""
    options = profile_stage_options(settings())
    inputs = model_inputs(options.source, options.from_file)
    outputs = [artifact("profile"), artifact("profile_summary")]
    return {
        "actions": [
            (
                operator_action(profile_to_files),
                [options, Path(artifact("model")), *(Path(p) for p in outputs)],
            )
        ],
        "file_dep": [artifact("model"), *(str(p) for p in inputs.files)],
        "targets": outputs,
        "uptodate": [
            source_uptodate(options.source, options.from_file, options.cache.refresh),
            options_changed(options),
        ],
        "verbosity": 2,
        "clean": True,
    }

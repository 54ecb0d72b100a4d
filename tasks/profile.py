"""The profile task: push-down evidence about the data → out/profile.parquet."""

from __future__ import annotations

from doit.tools import config_changed

from osddl.stages.extract_model import model_inputs
from osddl.stages.profile import profile_to_files
from tasks.common import fingerprint, operator_action, out, settings, source_uptodate


def task_profile() -> dict[str, object]:
    """Profile the source inside the database (NULLs, duplicates, orphans) → out/profile.parquet."""
    config = settings()
    inputs = model_inputs(config)
    return {
        "actions": [
            (
                operator_action(profile_to_files),
                [config, out("model.json"), out("profile.parquet"), out("profile-summary.json")],
            )
        ],
        "file_dep": [str(out("model.json")), *(str(p) for p in inputs.files)],
        "targets": [str(out("profile.parquet")), str(out("profile-summary.json"))],
        "uptodate": [
            source_uptodate(config),
            config_changed(fingerprint(config.subset("source", "profile"))),
        ],
        "verbosity": 2,
        "clean": True,
    }

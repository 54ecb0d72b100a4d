"""The decide task: the tightening policy → decisions, report, remediation pack, suggestions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from osddl.errors import OsddlError
from osddl.options import decide_options, fingerprint
from osddl.stages.decide import OUTPUTS, decide_to_files

from .common import artifact, operator_action, out, settings


def _decide(mode: str) -> dict[str, str]:
    """`--mode` is only known when the task runs: the options are built here, and their digest is
    kept so the next run can tell whether they changed."""
    options = decide_options(settings(), mode or None)
    decide_to_files(options, Path(artifact("model")), Path(artifact("profile")), out())
    return {"options": fingerprint(options)}


class SameOptions:
    """Up to date only if the effective policy options (incl. --mode) equal the last run's."""

    def __init__(self) -> None:
        self.options = decide_options(settings())  # without --mode: what the fingerprint covers

    def __call__(self, task: Any, values: dict[str, Any]) -> bool:
        mode = task.options.get("mode") if task.options else None
        try:
            return values.get("options") == fingerprint(decide_options(settings(), mode or None))
        except OsddlError:  # a bad --mode is reported by the action
            return False


def task_decide() -> dict[str, object]:
    """Decide NOT NULL / UNIQUE / FK per column and reference → out/decisions.json (+ report)."""
    return {
        "actions": [(operator_action(_decide),)],
        "params": [
            {
                "name": "mode",
                "long": "mode",
                "type": str,
                "default": "",
                "help": "policy mode: cautious | evidence-gated | aggressive",
            }
        ],
        "file_dep": [artifact("model"), artifact("profile")],
        "targets": [artifact(key) for key in OUTPUTS],
        "uptodate": [SameOptions()],
        "verbosity": 2,
        "clean": True,
    }

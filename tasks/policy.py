"""The decide task: the tightening policy → decisions, report, remediation pack, suggestions."""

from __future__ import annotations

from typing import Any

from osddl.stages.decide import DecideOutputs, decide_to_files, effective_settings, options_digest
from tasks.common import operator_action, out, settings


def _same_options(task: Any, values: dict[str, Any]) -> bool:
    """Up to date only if the effective policy options (incl. --mode) equal the last run's."""
    mode = task.options.get("mode") if task.options else None
    try:
        digest = options_digest(effective_settings(settings(), mode or None))
    except Exception:  # a bad --mode is reported by the action
        return False
    return values.get("options") == digest


def task_decide() -> dict[str, object]:
    """Decide NOT NULL / UNIQUE / FK per column and reference → out/decisions.json (+ report)."""
    outputs = DecideOutputs(out())
    return {
        "actions": [
            (
                operator_action(decide_to_files),
                [settings(), out("model.json"), out("profile.parquet"), outputs],
            )
        ],
        "params": [
            {
                "name": "mode",
                "long": "mode",
                "type": str,
                "default": "",
                "help": "policy mode: cautious | evidence-gated | aggressive",
            }
        ],
        "file_dep": [str(out("model.json")), str(out("profile.parquet"))],
        "targets": [str(p) for p in outputs.files.values()],
        "uptodate": [_same_options],
        "verbosity": 2,
        "clean": True,
    }

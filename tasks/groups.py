"""Task groups the operator runs: `full_export` (every stage that exists)."""

from __future__ import annotations


def task_full_export() -> dict[str, object]:
    """Run every stage: model, profile, decisions, SSDT, data export (later: proofs, manifest)."""
    return {
        "actions": None,
        "task_dep": [
            "extract_model",
            "profile",
            "decide",
            "ssdt",
            "snapshot",
            "order",
            "dynamic_data",
            "load_script",
        ],
    }

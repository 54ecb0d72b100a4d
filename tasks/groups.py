"""Task groups the operator runs: `full_export` (every stage) and `verify` (tasks/proofs.py)."""

from __future__ import annotations

STAGES = [
    "extract_model",
    "profile",
    "decide",
    "ssdt",
    "snapshot",
    "order",
    "dynamic_data",
    "load_script",
    "verify:order",
    "manifest",
]


def task_full_export() -> dict[str, object]:
    """Run every stage: model, profile, decisions, SSDT, data export, order proof, manifest."""
    return {"actions": None, "task_dep": STAGES}

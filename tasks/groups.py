"""Task groups the operator runs: `full_export` (every stage that exists)."""

from __future__ import annotations


def task_full_export() -> dict[str, object]:
    """Run every stage: today extraction, profiling and decisions (later: ssdt, data, proofs)."""
    return {"actions": None, "task_dep": ["extract_model", "profile", "decide"]}

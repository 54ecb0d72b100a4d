"""The decide stage: model + profile + options → decisions, report, remediation, suggestions."""

from __future__ import annotations

from pathlib import Path

from osddl.io import atomic_write_text, write_json
from osddl.layout import path
from osddl.model.store import read_model
from osddl.options import DecideOptions, changed_from_default
from osddl.policy.decide import decide
from osddl.policy.fit import value_misfits
from osddl.policy.report import console_rollup, decisions_document, report_document
from osddl.policy.sql import duplicate_listings, null_backfills, orphan_fixes, suggestions
from osddl.policy.store import write_decisions
from osddl.profile.store import read_profile

OUTPUTS = (
    "decisions",
    "decision_report",
    "null_backfill",
    "duplicates",
    "orphans",
    "safe_suggestions",
    "needs_remediation",
)


def decide_outputs(out: Path) -> dict[str, Path]:
    """Every file the stage writes (layout keys → paths)."""
    return {key: out / path(key) for key in OUTPUTS}


def decide_to_files(
    options: DecideOptions, model_path: Path, profile_path: Path, out: Path
) -> None:
    """Decide and write every output."""
    for line in changed_from_default(options):
        print(f"decide: {line}")
    model = read_model(model_path)
    evidence = read_profile(profile_path)
    decisions = decide(model, evidence, options.policy)
    report = report_document(decisions, value_misfits(model, evidence))
    files = decide_outputs(out)
    write_decisions(files["decisions"], decisions_document(decisions, options.provenance))
    write_json(files["decision_report"], report)
    atomic_write_text(files["null_backfill"], null_backfills(decisions, model, options.sentinels))
    atomic_write_text(files["duplicates"], duplicate_listings(decisions, model))
    atomic_write_text(files["orphans"], orphan_fixes(decisions, model, options.fallback_parents))
    atomic_write_text(files["safe_suggestions"], suggestions(decisions, model, remediation=False))
    atomic_write_text(files["needs_remediation"], suggestions(decisions, model, remediation=True))
    print(console_rollup(report))

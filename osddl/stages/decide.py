"""The decide stage: model + profile + options → decisions, report, remediation, suggestions."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from osddl.config import KEYS_BY_NAME, Settings
from osddl.io import atomic_write_text, canonical_json, sha256_bytes, write_json
from osddl.model.store import read_model
from osddl.policy.decide import PolicyOptions, decide
from osddl.policy.report import console_rollup, decisions_document, report_document
from osddl.policy.sql import duplicate_listings, null_backfills, orphan_fixes, suggestions
from osddl.profile.store import read_profile

POLICY_SECTIONS = ("policy.", "foreign_keys.")


@dataclass(frozen=True)
class DecideOutputs:
    """Every file the stage writes, under the output folder."""

    root: Path

    @property
    def files(self) -> dict[str, Path]:
        ssdt = self.root / "ssdt"
        return {
            "decisions": self.root / "decisions.json",
            "report": self.root / "decision-report.json",
            "nulls": ssdt / "Remediation/01_null_backfill.sql",
            "duplicates": ssdt / "Remediation/02_duplicates.sql",
            "orphans": ssdt / "Remediation/03_orphans.sql",
            "safe": ssdt / "suggestions/safe-to-apply.sql",
            "needs": ssdt / "suggestions/needs-remediation.sql",
        }


def effective_settings(settings: Settings, mode: str | None) -> Settings:
    """The settings with `doit decide --mode X` applied at command-line precedence."""
    return settings.overridden({"policy.mode": mode}) if mode else settings


def policy_provenance(settings: Settings) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in settings.provenance().items() if k.startswith(POLICY_SECTIONS)}


def options_digest(settings: Settings) -> str:
    """What decides whether earlier decisions are still valid (doit compares it)."""
    return sha256_bytes(
        canonical_json({k: v["value"] for k, v in policy_provenance(settings).items()})
    )


def policy_options(settings: Settings) -> PolicyOptions:
    return PolicyOptions(
        mode=settings.text("policy.mode"),
        null_budget=settings["policy.null_budget"],
        accept_sampled_evidence=settings.flag("policy.accept_sampled_evidence"),
        keep_nullable=tuple(settings.items("policy.keep_nullable")),
        force_not_null=tuple(settings.items("policy.force_not_null")),
        enable_fk_creation=settings.flag("foreign_keys.enable_creation"),
        enforce_ignore_rule=settings.flag("foreign_keys.enforce_ignore_rule"),
        allow_cross_schema=settings.flag("foreign_keys.allow_cross_schema"),
        allow_cross_catalog=settings.flag("foreign_keys.allow_cross_catalog"),
    )


def decide_to_files(
    settings: Settings,
    model_path: Path,
    profile_path: Path,
    outputs: DecideOutputs,
    mode: str | None = None,
) -> dict[str, str]:
    """Decide and write every output; returns the options digest for doit's up-to-date check."""
    settings = effective_settings(settings, mode)
    provenance = policy_provenance(settings)
    for name, entry in provenance.items():
        if entry["source"] != "default" and entry["value"] != KEYS_BY_NAME[name].default:
            print(f"decide: {name} = {entry['value']!r} (from {entry['source']})")
    model = read_model(model_path)
    decisions = decide(model, read_profile(profile_path), policy_options(settings))
    report = report_document(decisions)
    files = outputs.files
    write_json(files["decisions"], decisions_document(decisions, provenance))
    write_json(files["report"], report)
    sentinels = settings.mapping("policy.sentinels")
    atomic_write_text(files["nulls"], null_backfills(decisions, model, sentinels))
    atomic_write_text(files["duplicates"], duplicate_listings(decisions))
    atomic_write_text(files["orphans"], orphan_fixes(decisions, model))
    atomic_write_text(files["safe"], suggestions(decisions, model, remediation=False))
    atomic_write_text(files["needs"], suggestions(decisions, model, remediation=True))
    print(console_rollup(report))
    return {"options": options_digest(settings)}

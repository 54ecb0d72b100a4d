"""The closing lines of a run: what ran, what was found, where to look, and the next command.

Read from the artifacts the run left (a file that is missing, after a failure, is skipped), so the
summary says what the files say.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from osddl.io import read_json_file
from osddl.layout import path
from osddl.stages.verify import proof_statuses

NEXT_ON_SUCCESS = (
    "next: open {report}; `osddl verify` re-proves the files (CI); on UAT deploy {out}/ssdt,\n"
    "      then run {out}/DynamicData/load.sql and {out}/ssdt/PostLoad/platform_foreign_keys.sql"
)
NEXT_ON_FAILURE = (
    "next: fix what the failed task or proof printed above (its file is in the table), "
    "then run `doit full_export` again: only what changed reruns"
)


def _document(out: Path, key: str) -> dict[str, Any] | None:
    file = out / path(key)
    if not file.is_file():
        return None
    document = read_json_file(file)
    return document if isinstance(document, dict) else None


def closing_summary(
    out: Path, ran: Sequence[str], up_to_date: int, failed: Sequence[str], uat_users: bool
) -> list[str]:
    lines = [
        f"summary: {len(ran)} task(s) ran, {up_to_date} up to date"
        + (f", FAILED: {', '.join(failed)}" if failed else "")
    ]
    manifest, decisions = _document(out, "manifest"), _document(out, "decision_report")
    if manifest is not None:
        counts = manifest["counts"]
        lines.append(
            f"summary: {counts['tables']} tables, {counts['rows']} rows exported; "
            f"{counts['columnsTightened']} columns tightened, "
            f"{counts['foreignKeysCreated']} foreign keys created"
        )
    if decisions is not None:
        remediation = decisions["counts"]["requiresRemediation"]
        where = f" (see {out / 'ssdt' / 'Remediation'})" if remediation else ""
        lines.append(f"summary: {remediation} decision(s) need remediation{where}")
    lines.append(f"summary: warnings: {_warnings(out, uat_users)}")
    statuses = proof_statuses(out, uat_users)
    bad = [proof.name for proof in statuses if proof.status != "pass"]
    lines.append(
        f"summary: proofs: {len(statuses) - len(bad)} of {len(statuses)} pass"
        + (f"; not passing: {', '.join(bad)}" if bad else "")
    )
    report = out / path("report")
    if report.is_file():
        lines.append(f"summary: report: {report}")
    if failed or bad:
        lines.append(NEXT_ON_FAILURE)
    else:
        lines.append(NEXT_ON_SUCCESS.format(report=report, out=out))
    return lines


def _warnings(out: Path, uat_users: bool) -> str:
    order = _document(out, "order_proof")
    found = [f"{len(order['warnings'])} in the load order" if order else "load order not built"]
    validation = _document(out, "uat:uat-users-validation-report.json") if uat_users else None
    if validation is not None:
        found.append(f"{validation['counts']['warnings']} in uat-users")
    return ", ".join(found)

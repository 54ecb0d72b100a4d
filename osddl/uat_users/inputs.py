"""Validation of the operator's inputs, before any analysis: both inventories, the user map and
the fallback targets. Every rule runs and every finding is kept (not just the first)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from osddl.uat_users.inventory import Inventory, kinds_agree, read_inventory
from osddl.uat_users.messages import Finding
from osddl.uat_users.settings import UatUsersOptions
from osddl.uat_users.strategies import fallback_targets
from osddl.uat_users.usermap import UserMap, check_targets, read_user_map


@dataclass(frozen=True)
class Inputs:
    qa_file: str  # the inventories and the map as named in reports
    uat_file: str
    qa: Inventory | None
    uat: Inventory | None
    user_map: UserMap | None  # None: no map file given, or an unreadable one (see findings)
    map_file: str | None  # the map as named in reports, None when no map is used
    findings: tuple[Finding, ...]

    @property
    def ok(self) -> bool:
        return (
            self.qa is not None
            and self.uat is not None
            and not any(f.is_error for f in self.findings)
        )


def read_inputs(
    qa_path: Path,
    uat_path: Path,
    map_path: Path | None,
    options: UatUsersOptions,
    labels: dict[str, str] | None = None,
) -> Inputs:
    """Read and check everything the operator provides. `labels` (`qa`, `uat`, `map`) name the
    files in messages and reports (default: the paths as given, POSIX separators)."""
    shown = labels or {}
    qa_file = shown.get("qa") or qa_path.as_posix()
    uat_file = shown.get("uat") or uat_path.as_posix()
    qa, findings = read_inventory(qa_path, "qa", qa_file)
    uat, uat_findings = read_inventory(uat_path, "uat", uat_file)
    findings += uat_findings
    if qa is not None and uat is not None:
        findings += kinds_agree(qa, uat)
    user_map: UserMap | None = None
    map_file = None
    if map_path is not None:
        map_file = shown.get("map") or map_path.as_posix()
        kind = uat.kind if uat else qa.kind if qa else "text"
        user_map, map_findings = read_user_map(map_path, kind, map_file)
        findings += map_findings
        if user_map is not None and uat is not None:
            findings += check_targets(user_map, uat, options.allow_inactive_targets)
    if uat is not None:
        findings += fallback_targets(options.fallback_rule(), uat, options.allow_inactive_targets)[
            1
        ]
    return Inputs(qa_file, uat_file, qa, uat, user_map, map_file, tuple(findings))

"""The files of `out/uat-users/`, as data: name, when it is written, what it holds, its schema.

`UAT_ARTIFACTS` is the one list of the stage's files; the artifact layout table (`osddl.layout`),
the docs and the writer (`osddl.uat_users.artifacts`) take it from here. It imports nothing of the
stage, so reading the layout does not load the analysis.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

When = Literal["always", "analysed", "passed", "verify"]


@dataclass(frozen=True)
class UatArtifact:
    name: str  # file name under out/uat-users/
    when: When  # always; after an analysis; only when validation passed; by the verifier
    doc: str
    schema: str | None = None  # its JSON Schema's name (osddl.uat_users.schemas.SCHEMAS)


UAT_ARTIFACTS: Final[tuple[UatArtifact, ...]] = (
    UatArtifact("00_user_map.template.csv", "analysed",
                "Every orphan with its QA user and the suggested target; copy to the map."),
    UatArtifact("01_preview.csv", "analysed",
                "Per column and orphan id: the target and the rows that change."),
    UatArtifact("02_apply_user_remap.sql", "passed",
                "Standalone UPDATE script for a database loaded with QA ids."),
    UatArtifact("03_catalog.txt", "always", "Every user-reference column and why."),
    UatArtifact("04_matching_report.csv", "analysed",
                "How each orphan was matched, and the status of every map row."),
    UatArtifact("transformation-map.json", "passed", "The final QA id → UAT id map.",
                "uat-users-transformation-map"),
    UatArtifact("uat-users-orphan-discovery.json", "analysed",
                "Distinct ids per column, the orphans with provenance, input fingerprints.",
                "uat-users-orphan-discovery"),
    UatArtifact("uat-users-validation-report.json", "always",
                "Pass, fail or not-checked per rule, each failure with its fix.",
                "uat-users-validation-report"),
    UatArtifact("uat-users-verification.json", "verify",
                "Proof from the emitted INSERTs and the UPDATE script (written by the verifier).",
                "uat-users-verification"),
)  # fmt: skip

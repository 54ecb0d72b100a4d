"""The files of `out/uat-users/`: which exist after a run, their content, and the writer.

`UAT_ARTIFACTS` is the one list of the stage's files (name, schema, when it is written); the
artifact layout table and the docs take it from here. When validation fails, only what helps the
operator fix the inputs is written (validation report, catalog, and after an analysis the map
template, preview, matching report and discovery); the transformation map and the UPDATE script
are then removed, so a stale one is never applied.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Final, Literal

from osddl.io import atomic_write_text, write_json
from osddl.uat_users.analysis import Analysis
from osddl.uat_users.catalog import catalog_text
from osddl.uat_users.documents import discovery_document, validation_document
from osddl.uat_users.remap_sql import remap_script
from osddl.uat_users.reports import matching_report_csv, preview_csv, template_csv
from osddl.uat_users.transform import map_document

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

BY_NAME: Final = {a.name: a for a in UAT_ARTIFACTS}

Content = str | dict[str, Any]


def render_artifacts(analysis: Analysis) -> dict[str, Content]:
    """File name → text or JSON document, for the files this analysis produces."""
    out: dict[str, Content] = {
        "03_catalog.txt": catalog_text(analysis.catalog),
        "uat-users-validation-report.json": validation_document(
            analysis.inputs, analysis.findings, analysis.analysed
        ),
    }
    inputs, scan, matching = analysis.inputs, analysis.scan, analysis.matching
    if scan is None or matching is None or inputs.qa is None or inputs.uat is None:
        return out
    orphans = tuple(matching.orphans)  # made once for the three reports (a lazy sequence)
    out["00_user_map.template.csv"] = template_csv(orphans)
    out["01_preview.csv"] = preview_csv(scan.columns, orphans)
    out["04_matching_report.csv"] = matching_report_csv(
        replace(matching, orphans=orphans).resolutions
    )
    del orphans
    out["uat-users-orphan-discovery.json"] = discovery_document(
        analysis.catalog,
        scan,
        analysis.referenced,
        inputs.qa,
        inputs.uat,
        analysis.options.trust_matching_ids,
    )
    if analysis.passed and analysis.tmap is not None:
        out["transformation-map.json"] = map_document(analysis.tmap)
        out["02_apply_user_remap.sql"] = remap_script(
            analysis.tmap, analysis.catalog.columns, analysis.options.update_chunk_rows
        )
    return out


def write_artifacts(folder: Path, analysis: Analysis) -> list[Path]:
    """Write this run's files atomically and remove the stage's files it did not produce
    (except the verifier's). Returns the files written, sorted."""
    contents = render_artifacts(analysis)
    written = []
    for artifact in UAT_ARTIFACTS:
        path = folder / artifact.name
        content = contents.get(artifact.name)
        if content is None:
            if artifact.when != "verify":
                path.unlink(missing_ok=True)
            continue
        if isinstance(content, str):
            atomic_write_text(path, content)
        else:
            write_json(path, content)
        written.append(path)
    return sorted(written)

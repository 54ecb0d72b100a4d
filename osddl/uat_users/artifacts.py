"""The files of `out/uat-users/` (listed in `osddl.uat_users.files`): their content, and the
writer. When validation fails, only what helps the operator fix the inputs is written (validation
report, catalog, and after an analysis the map template, preview, matching report and discovery);
the transformation map and the UPDATE script are then removed, so a stale one is never applied.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from osddl.io import atomic_write_text, write_json
from osddl.uat_users.analysis import Analysis
from osddl.uat_users.catalog import catalog_text
from osddl.uat_users.documents import discovery_document, validation_document
from osddl.uat_users.files import UAT_ARTIFACTS
from osddl.uat_users.remap_sql import remap_script
from osddl.uat_users.reports import matching_report_csv, preview_csv, template_csv
from osddl.uat_users.transform import map_document

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

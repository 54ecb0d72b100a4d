"""The uat_users stage: inventories + map + the snapshots of tables with user references →
out/uat-users/ (validation report, catalog, matching, transformation map, UPDATE script).

No database is read: the distinct user ids come from the snapshots. When a rule fails, the
findings are printed one per line (file, line, value, fix) and the stage fails: no transformation
map, so no DynamicData of a table with user references is rendered and no remap script exists.
"""

from __future__ import annotations

from pathlib import Path

from osddl.errors import InputError
from osddl.io import read_json_file
from osddl.layout import path
from osddl.model.contract import Model
from osddl.model.store import read_model
from osddl.options import UatUsersStageOptions
from osddl.selection import select, table_id
from osddl.uat_users.analysis import Analysis, analyse
from osddl.uat_users.artifacts import write_artifacts
from osddl.uat_users.catalog import Catalog, build_catalog
from osddl.uat_users.settings import UatUsersOptions
from osddl.uat_users.transform import TransformationMap, map_from_document

SHOWN = 50  # findings printed on the console; the validation report has them all


def user_catalog(model: Model, options: UatUsersOptions) -> Catalog:
    """The user-reference columns (empty when uat-users is switched off)."""
    return build_catalog(model, options) if options.enabled else Catalog(())


def uat_users_to_files(options: UatUsersStageOptions, model_path: Path, out: Path) -> None:
    uat = options.uat_users
    missing = [p for p in (uat.qa_inventory, uat.uat_inventory) if not Path(p).is_file()]
    if missing:
        raise InputError(
            f"uat_users: {' and '.join(missing)} not found: export QA's and UAT's ossys_User "
            "there (or set uat_users.qa_inventory / uat_users.uat_inventory to their paths), "
            "or set uat_users.enabled = false if QA and UAT share their users"
        )
    model = read_model(model_path)
    snapshots = {
        table_id(e): out / path("snapshot", m, e)
        for m, e in select(model, options.selection).exported
    }
    labels = {table: file.relative_to(out).as_posix() for table, file in snapshots.items()}
    analysis = analyse(model, uat, snapshots, labels=labels)
    write_artifacts(out / "uat-users", analysis)
    print(summary(analysis, out))
    if not analysis.passed:
        errors = sum(1 for f in analysis.findings if f.is_error)
        raise InputError(
            f"uat_users: {errors} problem(s) in the user inventories or map (listed above; all in "
            f"{out / path('uat:uat-users-validation-report.json')}); no DynamicData with user "
            "references and no remap script until they are fixed"
        )


def summary(analysis: Analysis, out: Path) -> str:
    lines = [f"uat_users: {len(analysis.catalog.columns)} user-reference columns"]
    if analysis.matching is not None and analysis.tmap is not None:
        lines.append(
            f"  {len(analysis.matching.kept)} ids kept, {len(analysis.tmap.entries)} mapped "
            f"({', '.join(f'{n} {o}' for o, n in _origins(analysis.tmap).items())})"
        )
    for finding in analysis.findings[:SHOWN]:
        lines.append(f"  {finding.severity}: {finding.text()}")
    if len(analysis.findings) > SHOWN:
        lines.append(f"  ... and {len(analysis.findings) - SHOWN} more in the validation report")
    lines.append(f"  wrote {out / 'uat-users'}")
    return "\n".join(lines)


def _origins(tmap: TransformationMap) -> dict[str, int]:
    counts: dict[str, int] = {}
    for entry in tmap.entries:
        counts[entry.origin] = counts.get(entry.origin, 0) + 1
    return dict(sorted(counts.items()))


def read_transformation_map(out: Path) -> TransformationMap:
    return map_from_document(read_json_file(out / path("uat:transformation-map.json")))

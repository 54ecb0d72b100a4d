"""uat-users in one call: validate the inputs, then catalog, discover, classify and match.

Pure apart from reading the given files (inventories, map, snapshots); nothing is written here
(see `artifacts.write_artifacts`). The reading order of the package follows this function.
Input validation comes first: when it fails, nothing is analysed and only the validation report
(and the catalog) can be written.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from osddl.model.contract import Model
from osddl.uat_users.catalog import Catalog, build_catalog
from osddl.uat_users.classify import ReferencedId, classify
from osddl.uat_users.columns import compact_memory, release
from osddl.uat_users.discovery import BATCH_ROWS, Scan, scan_snapshots
from osddl.uat_users.inputs import Inputs, read_inputs
from osddl.uat_users.matching import Matching, match
from osddl.uat_users.messages import Finding
from osddl.uat_users.settings import UatUsersOptions, checked
from osddl.uat_users.transform import TransformationMap, build_map


@dataclass(frozen=True)
class Analysis:
    options: UatUsersOptions
    catalog: Catalog
    inputs: Inputs
    scan: Scan | None  # None: inputs failed, nothing analysed
    referenced: Sequence[ReferencedId]  # `classify.Referenced` after an analysis
    matching: Matching | None
    tmap: TransformationMap | None

    @property
    def findings(self) -> tuple[Finding, ...]:
        later = (self.scan.findings if self.scan else ()) + (
            self.matching.findings if self.matching else ()
        )
        return self.inputs.findings + later

    @property
    def analysed(self) -> bool:
        return self.scan is not None

    @property
    def passed(self) -> bool:
        """Every rule passed: the map may be applied (DynamicData, the UPDATE script)."""
        return self.analysed and not any(f.is_error for f in self.findings)


def analyse(
    model: Model,
    options: UatUsersOptions,
    snapshots: Mapping[str, Path],
    *,
    base: Path = Path("."),
    labels: Mapping[str, str] | None = None,
    batch_rows: int = BATCH_ROWS,
) -> Analysis:
    """Everything up to the transformation map. The option paths are relative to `base` and
    are named as configured in every report; `snapshots` maps `schema.table` to its Parquet
    file, `labels` the same keys to the names shown in reports. The user map is optional: an
    empty `options.map`, or no file at that path, means no manual rows."""
    options = checked(options)
    catalog = build_catalog(model, options)
    with compact_memory():
        return _analysed(options, catalog, snapshots, base, labels, batch_rows)


def _analysed(
    options: UatUsersOptions,
    catalog: Catalog,
    snapshots: Mapping[str, Path],
    base: Path,
    labels: Mapping[str, str] | None,
    batch_rows: int,
) -> Analysis:
    """`analyse` after the options and the catalog: inputs, discovery, matching, the map; the
    memory one step freed is handed back before the next step."""
    map_path = base / options.map if options.map else None
    if map_path is not None and not map_path.exists():
        map_path = None  # the map is optional: no file yet means no manual rows
    inputs = read_inputs(
        base / options.qa_inventory,
        base / options.uat_inventory,
        map_path,
        options,
        {"qa": options.qa_inventory, "uat": options.uat_inventory, "map": options.map},
    )
    if not inputs.ok or inputs.qa is None or inputs.uat is None:
        return Analysis(options, catalog, inputs, None, (), None, None)
    qa, uat = inputs.qa, inputs.uat
    release()
    scan = scan_snapshots(catalog, snapshots, qa.kind, labels, batch_rows)
    release()
    referenced = classify(scan.columns, qa, uat)
    release()
    matching = match(referenced, qa, uat, inputs.user_map, options, scan.columns)
    tmap = build_map(qa.kind, matching.orphans, matching.kept)  # map rows never enter it
    release()
    return Analysis(options, catalog, inputs, scan, referenced, matching, tmap)

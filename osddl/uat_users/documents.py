"""The JSON documents of `out/uat-users/`: orphan discovery and the validation report
(`transformation-map.json` is in `transform`, the verification in `verify`). Pure: each returns
a dict with its `schemaVersion`; schemas are in `schemas`."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any, Final

import pyarrow.compute as pc

from osddl.uat_users.catalog import Catalog
from osddl.uat_users.classify import (
    CLASSIFICATIONS,
    IN_UAT,
    Referenced,
    ReferencedId,
    provenance,
)
from osddl.uat_users.discovery import Scan
from osddl.uat_users.inputs import Inputs
from osddl.uat_users.inventory import Inventory
from osddl.uat_users.messages import RULES, Finding

DISCOVERY_VERSION: Final = "osddl.uat-users.orphan-discovery/1"
VALIDATION_VERSION: Final = "osddl.uat-users.validation-report/1"


def checked_rules(inputs: Inputs, analysed: bool) -> set[str]:
    """The rules that could run: the files' own rules always; a rule that needs a file only when
    that file was read; the analysis rules only after an analysis."""
    if analysed:
        return set(RULES)
    rules = {"qa-inventory-integrity", "uat-inventory-integrity", "map-integrity"}
    map_read = inputs.map_file is None or inputs.user_map is not None
    if inputs.qa is not None and inputs.uat is not None:
        rules.add("id-kinds-agree")
    if map_read:
        rules.add("map-no-duplicate-sources")
    if map_read and inputs.uat is not None:
        rules |= {"every-target-in-uat", "targets-active"}
    return rules


def _file(inventory: Inventory | None, fallback: str) -> dict[str, Any]:
    if inventory is None:
        return {"file": fallback, "sha256": None}
    return {"file": inventory.file, "sha256": inventory.sha256}


def catalog_entries(catalog: Catalog) -> list[dict[str, Any]]:
    return [
        {
            "schema": c.schema,
            "table": c.table,
            "column": c.column,
            "module": c.module,
            "entity": c.entity,
            "attribute": c.attribute,
            "sqlType": c.sql_type,
            "reason": c.reason,
        }
        for c in catalog.columns
    ]


def discovery_document(
    catalog: Catalog,
    scan: Scan,
    referenced: Sequence[ReferencedId],
    qa: Inventory,
    uat: Inventory,
    trust_matching_ids: bool,
) -> dict[str, Any]:
    """`uat-users-orphan-discovery.json`: the catalog, distinct ids per column with rows, every
    id that is not kept by identity with its provenance, and the fingerprints of what was read."""
    if isinstance(referenced, Referenced):  # column-wise: no users are read for the kept ids
        named = referenced.classifications()
        classes = dict(zip(referenced.ids.to_pylist(), named, strict=True))
        counts = Counter(named)
        orphans: Sequence[ReferencedId] = list(
            referenced.where(pc.not_equal(referenced.codes, IN_UAT))
        )
    else:
        classes = {r.id: r.classification for r in referenced}
        counts = Counter(r.classification for r in referenced)
        orphans = [r for r in referenced if r.classification != "in_uat"]
    places = provenance(scan.columns, [r.id for r in orphans])
    return {
        "schemaVersion": DISCOVERY_VERSION,
        "idKind": qa.kind,
        "trustMatchingIds": trust_matching_ids,
        "inputs": {
            "qaInventory": _file(qa, qa.file),
            "uatInventory": _file(uat, uat.file),
            "snapshots": [
                {"table": s.table, "file": s.file, "sha256": s.sha256} for s in scan.snapshots
            ],
        },
        "catalog": catalog_entries(catalog),
        "excluded": list(catalog.excluded),
        "columns": [
            {
                "schema": c.column.schema,
                "table": c.column.table,
                "column": c.column.column,
                "rows": c.rows,
                "nulls": c.nulls,
                "distinct": [
                    {"id": user_id, "rows": rows, "classification": classes[user_id]}
                    for user_id, rows in zip(c.ids.to_pylist(), c.id_rows.to_pylist(), strict=True)
                ],
            }
            for c in scan.columns
        ],
        "orphans": [
            {
                "id": r.id,
                "classification": r.classification,
                "needsTarget": r.needs_target(trust_matching_ids),
                "rows": r.rows,
                "columns": [
                    {"column": label, "rows": rows} for label, rows in places.get(r.id, ())
                ],
                "qaUsername": r.qa.username if r.qa else None,
                "uatUsername": r.uat.username if r.uat else None,
            }
            for r in orphans
        ],
        "counts": {
            "catalogColumns": len(catalog),
            "distinctIds": len(referenced),
            **{name: counts.get(name, 0) for name in CLASSIFICATIONS},
            "orphanRows": sum(r.rows for r in orphans if r.needs_target(trust_matching_ids)),
        },
    }


def validation_document(
    inputs: Inputs, findings: tuple[Finding, ...], analysed: bool
) -> dict[str, Any]:
    """`uat-users-validation-report.json`: pass, fail or not-checked per rule, every failure
    and warning with file, line, column, value and fix."""
    rules = []
    checked = checked_rules(inputs, analysed)
    for rule, description in RULES.items():
        own = [f for f in findings if f.rule == rule]
        failures = [f.to_json() for f in own if f.is_error]
        if failures:
            status = "fail"
        elif rule in checked:
            status = "pass"
        else:
            status = "not-checked"
        rules.append(
            {
                "rule": rule,
                "description": description,
                "status": status,
                "failures": failures,
                "warnings": [f.to_json() for f in own if not f.is_error],
            }
        )
    errors = sum(1 for f in findings if f.is_error)
    user_map = inputs.user_map
    return {
        "schemaVersion": VALIDATION_VERSION,
        "status": "pass" if analysed and not errors else "fail",
        "inputs": {
            "qaInventory": _file(inputs.qa, inputs.qa_file),
            "uatInventory": _file(inputs.uat, inputs.uat_file),
            "userMap": None
            if inputs.map_file is None
            else {
                "file": inputs.map_file,
                "sha256": user_map.sha256 if user_map is not None else None,
            },
        },
        "rules": rules,
        "counts": {"errors": errors, "warnings": len(findings) - errors},
    }

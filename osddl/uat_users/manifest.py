"""The `uatUsers` section of the run manifest (spec 04/05), read from the stage's own files.

It says whether the exported user ids were remapped and proves which inputs did it (the
fingerprints of both inventories, the map and the transformation map), with the tallies an
auditor asks for first.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Final

from osddl.io import read_json_file

MODE: Final = "pre-transformed-inserts"
REPORTS: Final = (
    "uat-users-validation-report.json",
    "uat-users-orphan-discovery.json",
    "transformation-map.json",
    "uat-users-verification.json",
    "02_apply_user_remap.sql",
)


def manifest_section(folder: Path, enabled: bool) -> dict[str, Any]:
    """`folder` is out/uat-users; off (or not yet run) → `transformationApplied: false`."""
    tmap_file = folder / "transformation-map.json"
    if not enabled or not tmap_file.is_file():
        reason = "uat_users.enabled = false" if not enabled else "no transformation map"
        return {"transformationApplied": False, "transformationMode": "none", "reason": reason}
    tmap = read_json_file(tmap_file)
    discovery = read_json_file(folder / "uat-users-orphan-discovery.json")
    inputs = read_json_file(folder / "uat-users-validation-report.json")["inputs"]
    found, mapped = discovery["counts"], tmap["counts"]
    return {
        "transformationApplied": True,
        "transformationMode": MODE,
        "fingerprints": {
            "qaInventory": inputs["qaInventory"]["sha256"],
            "uatInventory": inputs["uatInventory"]["sha256"],
            "userMap": (inputs["userMap"] or {}).get("sha256"),  # None: no map file
            "transformationMap": tmap["sha256"],
        },
        "counts": {
            "catalogColumns": found["catalogColumns"],
            "orphans": found["orphan_known"] + found["orphan_unknown"] + found["collision"],
            "collisions": found["collision"],
            "kept": mapped["kept"],
            "mapped": mapped["mapped"],
            "fallback": mapped["fallback"],
            "manual": mapped["manual"],
        },
        "reports": [f"uat-users/{name}" for name in REPORTS if (folder / name).is_file()],
    }

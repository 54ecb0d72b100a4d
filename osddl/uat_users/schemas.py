"""JSON Schemas of the uat-users JSON documents, written by hand as data.

`SCHEMAS` maps each schema's name to its document; a docs generator commits them as
`docs/schemas/<name>.schema.json` (tests check the committed copies and validate real output).
"""

from __future__ import annotations

from typing import Any, Final

from osddl.uat_users.classify import CLASSIFICATIONS
from osddl.uat_users.documents import DISCOVERY_VERSION, VALIDATION_VERSION
from osddl.uat_users.messages import BY_CODE, RULES
from osddl.uat_users.transform import MAP_VERSION
from osddl.uat_users.verify import VERIFICATION_VERSION, VERIFY_RULES

DRAFT: Final = "https://json-schema.org/draft/2020-12/schema"
SCHEMA_URL: Final = "https://osddl.dev/schemas"

Schema = dict[str, Any]

ID: Final[Schema] = {"type": ["integer", "string"]}
TEXT: Final[Schema] = {"type": "string"}
COUNT: Final[Schema] = {"type": "integer", "minimum": 0}
SHA256: Final[Schema] = {"type": "string", "pattern": "^[0-9a-f]{64}$"}
KIND: Final[Schema] = {"enum": ["int", "guid", "text"]}
CLASSIFICATION: Final[Schema] = {"enum": list(CLASSIFICATIONS)}


def _nullable(schema: Schema) -> Schema:
    return {"anyOf": [schema, {"type": "null"}]}


def _object(properties: dict[str, Schema]) -> Schema:
    """Every property required, nothing else allowed (the documents are exact)."""
    return {
        "type": "object",
        "additionalProperties": False,
        "required": sorted(properties),
        "properties": properties,
    }


def _array(items: Schema) -> Schema:
    return {"type": "array", "items": items}


def _document(name: str, version: str, title: str, properties: dict[str, Schema]) -> Schema:
    body = _object({"schemaVersion": {"const": version}, **properties})
    titled = f"{title} ({version})"  # the one version it accepts, named like every schema
    return {"$schema": DRAFT, "$id": f"{SCHEMA_URL}/{name}.schema.json", "title": titled, **body}


FILE: Final = _object({"file": TEXT, "sha256": _nullable(SHA256)})

TRANSFORMATION_MAP: Final = _document(
    "uat-users-transformation-map",
    MAP_VERSION,
    "uat-users transformation map",
    {
        "idKind": KIND,
        "entries": _array(
            _object(
                {
                    "source": ID,
                    "target": ID,
                    "strategy": TEXT,
                    "origin": {"enum": ["manual", "auto", "fallback"]},
                    "classification": CLASSIFICATION,
                }
            )
        ),
        "kept": _array(ID),
        "counts": _object(
            {"mapped": COUNT, "kept": COUNT, "manual": COUNT, "auto": COUNT, "fallback": COUNT}
        ),
        "sha256": SHA256,
    },
)

ORPHAN_DISCOVERY: Final = _document(
    "uat-users-orphan-discovery",
    DISCOVERY_VERSION,
    "uat-users orphan discovery",
    {
        "idKind": KIND,
        "trustMatchingIds": {"type": "boolean"},
        "inputs": _object(
            {
                "qaInventory": FILE,
                "uatInventory": FILE,
                "snapshots": _array(_object({"table": TEXT, "file": TEXT, "sha256": SHA256})),
            }
        ),
        "catalog": _array(
            _object(
                {
                    name: TEXT
                    for name in (
                        "schema",
                        "table",
                        "column",
                        "module",
                        "entity",
                        "attribute",
                        "sqlType",
                        "reason",
                    )
                }
            )
        ),
        "excluded": _array(TEXT),
        "columns": _array(
            _object(
                {
                    "schema": TEXT,
                    "table": TEXT,
                    "column": TEXT,
                    "rows": COUNT,
                    "nulls": COUNT,
                    "distinct": _array(
                        _object({"id": ID, "rows": COUNT, "classification": CLASSIFICATION})
                    ),
                }
            )
        ),
        "orphans": _array(
            _object(
                {
                    "id": ID,
                    "classification": CLASSIFICATION,
                    "needsTarget": {"type": "boolean"},
                    "rows": COUNT,
                    "columns": _array(_object({"column": TEXT, "rows": COUNT})),
                    "qaUsername": _nullable(TEXT),
                    "uatUsername": _nullable(TEXT),
                }
            )
        ),
        "counts": _object(
            {
                name: COUNT
                for name in ("catalogColumns", "distinctIds", *CLASSIFICATIONS, "orphanRows")
            }
        ),
    },
)

FINDING: Final = _object(
    {
        "code": {"enum": sorted(BY_CODE)},
        "file": TEXT,
        "line": _nullable({"type": "integer", "minimum": 1}),
        "column": _nullable(TEXT),
        "value": _nullable(TEXT),
        "message": TEXT,
        "fix": TEXT,
    }
)

VALIDATION_REPORT: Final = _document(
    "uat-users-validation-report",
    VALIDATION_VERSION,
    "uat-users validation report",
    {
        "status": {"enum": ["pass", "fail"]},
        "inputs": _object({"qaInventory": FILE, "uatInventory": FILE, "userMap": _nullable(FILE)}),
        "rules": _array(
            _object(
                {
                    "rule": {"enum": list(RULES)},
                    "description": TEXT,
                    "status": {"enum": ["pass", "fail", "not-checked"]},
                    "failures": _array(FINDING),
                    "warnings": _array(FINDING),
                }
            )
        ),
        "counts": _object({"errors": COUNT, "warnings": COUNT}),
    },
)

VERIFICATION: Final = _document(
    "uat-users-verification",
    VERIFICATION_VERSION,
    "uat-users verification",
    {
        "status": {"enum": ["pass", "fail"]},
        "mapSha256": SHA256,
        "rules": _array(
            _object(
                {
                    "rule": {"enum": list(VERIFY_RULES)},
                    "description": TEXT,
                    "status": {"enum": ["pass", "fail", "not-checked"]},
                    "failures": COUNT,
                    "samples": _array(TEXT),
                }
            )
        ),
    },
)

SCHEMAS: Final[dict[str, Schema]] = {
    "uat-users-transformation-map": TRANSFORMATION_MAP,
    "uat-users-orphan-discovery": ORPHAN_DISCOVERY,
    "uat-users-validation-report": VALIDATION_REPORT,
    "uat-users-verification": VERIFICATION,
}

"""Generated documentation: the settings table and the committed JSON Schemas."""

from __future__ import annotations

from osddl.docgen import write_docs
from osddl.schemas import SCHEMAS
from osddl.typed_json import SCHEMA_DIR


def task_docs() -> dict[str, object]:
    """Regenerate the generated tables in docs/ (settings, policy) and docs/schemas/*.json."""
    return {
        "actions": [write_docs],
        "file_dep": [
            "osddl/config.py",
            "osddl/model/contract.py",
            "osddl/model/codec.py",
            "osddl/policy/matrix.py",
            "osddl/policy/rationale.py",
        ],
        "targets": [str(SCHEMA_DIR / name) for name in SCHEMAS],
        "uptodate": [lambda: False],
        "verbosity": 1,
    }

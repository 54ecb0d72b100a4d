"""Generated documentation: the settings table and the committed JSON Schemas."""

from __future__ import annotations

from osddl.layout import ARTIFACTS
from osddl.typed_json import SCHEMA_DIR

# The layout names every committed schema (tests/test_imports.py holds it equal to osddl.schemas),
# so loading the graph builds none of them.
SCHEMA_FILES = sorted({a.schema for a in ARTIFACTS if a.schema})


def _write_docs() -> None:
    from osddl.docgen import write_docs  # the docs task alone needs the generators

    write_docs()


def task_docs() -> dict[str, object]:
    """Regenerate the generated tables in docs/ (settings, policy) and docs/schemas/*.json."""
    return {
        "actions": [_write_docs],
        "file_dep": [
            "osddl/config.py",
            "osddl/model/contract.py",
            "osddl/model/codec.py",
            "osddl/policy/matrix.py",
            "osddl/policy/rationale.py",
        ],
        "targets": [str(SCHEMA_DIR / name) for name in SCHEMA_FILES],
        "uptodate": [lambda: False],
        "verbosity": 1,
    }

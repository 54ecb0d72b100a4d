"""Generated documentation: the settings table and the committed JSON Schemas."""

from __future__ import annotations

from osddl.docgen import write_docs
from osddl.model.store import SCHEMA_FILE


def task_docs() -> dict[str, object]:
    """Regenerate docs/configuration.md's settings table and docs/schemas/*.json from the code."""
    return {
        "actions": [write_docs],
        "file_dep": ["osddl/config.py", "osddl/model/contract.py", "osddl/model/codec.py"],
        "targets": [str(SCHEMA_FILE)],
        "uptodate": [lambda: False],
        "verbosity": 1,
    }

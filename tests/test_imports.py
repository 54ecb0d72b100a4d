"""What loading the task graph imports: every doit process (and every worker forked from it) pays
for it, so libraries and modules only rare tasks or rare paths need are imported where they are
used. These tests keep them out of `import tasks.graph`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from osddl.schemas import SCHEMAS
from tasks.docs import SCHEMA_FILES

ROOT = Path(__file__).resolve().parents[1]

# Module (and its submodules) → who needs it; none of them may load with the graph.
LAZY = {
    "sqlglot": "the fast reader's fallback, the remap proof, the load stage, dmm_compare",
    "jsonschema": "the report on an invalid JSON document (fastjsonschema checks the valid ones)",
    "osddl.compare.ddl": "dmm_compare and the load stage's DDL reader",
    "osddl.docgen": "the docs task",
    "osddl.messages": "the docs task",
    "osddl.schemas": "the docs task (its targets come from the layout)",
    "osddl.uat_users.remap_check": "verify:uat_users and load:dual",
}


def loaded_by(statement: str) -> list[str]:
    """Every module a fresh interpreter holds after `statement`, run in the checkout."""
    code = f"import sys\n{statement}\nprint('\\n'.join(sorted(sys.modules)))"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return result.stdout.split()


def eager(modules: list[str]) -> list[str]:
    """The modules of LAZY among `modules`, submodules included."""
    return [m for m in modules if any(m == lazy or m.startswith(f"{lazy}.") for lazy in LAZY)]


def test_loading_the_task_graph_imports_no_module_of_a_rare_path() -> None:
    found = eager(loaded_by("import tasks.graph"))
    assert found == [], "import it inside the function that uses it: " + ", ".join(found)


@pytest.mark.parametrize(
    ("statement", "expected"),
    [
        ("import osddl.compare.ddl", "sqlglot"),
        ("import osddl.docgen", "osddl.messages"),
        ("from osddl.typed_json import validate; validate({}, 1)", "jsonschema"),
    ],
)
def test_the_check_sees_an_eager_import(statement: str, expected: str) -> None:
    assert expected in eager(loaded_by(statement))


def test_the_docs_task_targets_every_committed_schema() -> None:
    """The docs task lists its targets from the layout's schema column instead of importing
    osddl.schemas: both must name the same files."""
    assert sorted(SCHEMAS) == SCHEMA_FILES

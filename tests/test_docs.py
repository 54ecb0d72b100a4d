"""Docs cannot fall behind the code: settings, schemas, tasks and the README's commands."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from osddl.config import KEYS
from osddl.docgen import CONFIG_DOC, SECTIONS, regenerated, schema_bytes
from osddl.schemas import SCHEMAS
from osddl.typed_json import SCHEMA_DIR

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("path", sorted({doc for doc, _ in SECTIONS}))
def test_generated_doc_sections_are_current(path: Path) -> None:
    committed = (ROOT / path).read_text(encoding="utf-8")
    assert committed == regenerated(path, committed), "run `doit docs` and commit the result"


def test_configuration_doc_lists_every_setting() -> None:
    committed = (ROOT / CONFIG_DOC).read_text(encoding="utf-8")
    for key in KEYS:
        assert f"`{key.name}`" in committed and f"`{key.env}`" in committed


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_committed_schema_is_the_generated_one(name: str) -> None:
    committed = ROOT / SCHEMA_DIR / name
    assert committed.read_bytes() == schema_bytes(name), "run `doit docs` and commit"
    schema = json.loads(schema_bytes(name))
    assert schema["$schema"].endswith("2020-12/schema")
    assert schema["$id"].endswith(f"/{name}")
    pinned = schema["properties"]["schemaVersion"]
    assert pinned.get("enum", [pinned.get("const")])[0] in schema["title"]  # one version, named


def test_every_schema_is_committed_named_by_the_layout_and_documented() -> None:
    from osddl.layout import ARTIFACTS

    assert sorted(p.name for p in (ROOT / SCHEMA_DIR).glob("*.json")) == sorted(SCHEMAS)
    assert {a.schema for a in ARTIFACTS if a.schema} <= set(SCHEMAS)
    artifacts = (ROOT / "docs/artifacts.md").read_text(encoding="utf-8")
    for name in SCHEMAS:
        assert f"`docs/schemas/{name}`" in artifacts, f"{name} missing from docs/artifacts.md"


def readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return re.findall(r"```sh\n(.+?)\n```", text)


def test_ci_runs_the_exact_readme_commands() -> None:
    main_job, test_suite = readme_commands()[:2]
    assert main_job.endswith("doit full_export")
    assert test_suite.endswith("python -m pytest")
    ci_lines = (ROOT / ".ci/run").read_text(encoding="utf-8").splitlines()
    assert main_job in ci_lines and test_suite in ci_lines


def test_every_task_has_a_doc_line_and_appears_in_the_docs() -> None:
    listing = subprocess.run(
        [sys.executable, "-m", "doit", "list"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    tasks = [line.split()[0] for line in listing.splitlines() if line.strip()]
    assert "extract_model" in tasks and "full_export" in tasks
    docs = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "docs").glob("*.md"))
    for line in listing.splitlines():
        name, _, doc = line.partition(" ")
        assert doc.strip(), f"task {name} has no docstring"
        assert f"`{name}`" in docs, f"task {name} is not described in docs/"


def test_every_profile_column_is_documented() -> None:
    from osddl.profile.store import COLUMNS

    artifacts = (ROOT / "docs/artifacts.md").read_text(encoding="utf-8")
    for name, _ in COLUMNS:
        assert f"`{name}`" in artifacts, f"profile column {name} missing from docs/artifacts.md"


def test_policy_doc_shows_every_rationale_code_and_matrix_row() -> None:
    from osddl.policy.matrix import MATRIX
    from osddl.policy.rationale import RATIONALES

    policy = (ROOT / "docs/policy.md").read_text(encoding="utf-8")
    for code in RATIONALES:
        assert f"| `{code}` |" in policy
    for row in MATRIX:
        assert f"| {row.kind} | `{row.signal}` |" in policy
